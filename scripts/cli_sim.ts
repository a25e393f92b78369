/**
 * `netsession sim run FILE`: the scenario is checked before it plays, and a
 * malformed one is reported with every problem, each as `FILE:LINE:COLUMN:
 * path: what is expected` (exit 2); then `scripts/sim_run.ts` plays it.
 *
 * @module
 */
import { parseScenario, ScenarioError } from "../drivers/sim/mod.ts";

/** The lines that report a malformed scenario in `file`. */
export function scenarioProblems(file: string, error: ScenarioError): string[] {
  return error.issues.map((i) => {
    const where = i.step === undefined
      ? i.path
      : `steps[${i.step}] (at ${i.at ?? "?"}) ${i.path.replace(/^steps\[\d+\]/, "")}`;
    return `${file}${i.line === undefined ? "" : `:${i.line}:${i.column}`}: ${where}: ${i.message}`;
  });
}

/** Runs `sim run` with `args`: checks the file (exit 2 naming every problem), then plays it. */
export async function simRunChecked(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "--seed");
  if (file !== undefined) {
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(file);
    } catch { /* sim_run says so */ }
    if (text !== undefined) {
      try {
        parseScenario(text);
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        const lines = scenarioProblems(file, error);
        if (args.includes("--json")) {
          console.log(JSON.stringify({ file, passed: false, error: lines.join("\n"), issues: error.issues }));
        } else {
          console.error(
            `netsession sim run: invalid scenario ${file} (${lines.length} problem${
              lines.length === 1 ? "" : "s"
            }):\n${lines.map((l) => `  ${l}`).join("\n")}`,
          );
        }
        return 2;
      }
    }
  }
  const { simRun } = await import("./sim_run.ts");
  return await simRun(args);
}
