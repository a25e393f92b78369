/**
 * `netsession sim run FILE [--json] [--stop-on-failure] [--seed N]`: plays a
 * scenario file on a fresh simulated world, prints the event timeline as it
 * plays (and a progress line on stderr for long scenarios), then a summary.
 * Exit code 0 when every expectation held, 1 when one failed, 2 when the file
 * is missing or malformed (the message names the step and field).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ScenarioError, type SimPlayResult, SimWorld } from "../drivers/sim/mod.ts";

/** Runs `sim run` with `args` (after `sim run`); returns the exit code. */
export async function simRun(args: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        "stop-on-failure": { type: "boolean" },
        seed: { type: "string" },
      },
    }));
  } catch (error) {
    console.error(`netsession sim run: ${(error as Error).message}`);
    return 2;
  }
  if (positionals.length !== 1) {
    console.error("usage: netsession sim run FILE [--json] [--stop-on-failure] [--seed N]");
    return 2;
  }
  const file = positionals[0];
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) {
    console.error(`netsession sim run: --seed ${values.seed}: expected an integer`);
    return 2;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    console.error(`netsession sim run: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const json = values.json === true;
  const fromFile = (() => {
    try {
      return (JSON.parse(text) as { seed?: number }).seed;
    } catch {
      return undefined;
    }
  })();
  const world = new SimWorld({ seed: seed ?? (Number.isInteger(fromFile) ? fromFile : 1) });
  let lastPercent = -1;
  const t0 = performance.now();
  let result: SimPlayResult;
  try {
    result = await world.play(text, {
      stopOnFailure: values["stop-on-failure"] === true,
      timelineLimit: json ? 100_000 : 0,
      onEvent: json ? undefined : (e) => {
        const when = `${(e.at / 1000).toFixed(3)}s`.padStart(12);
        const mark = e.source === "expect" ? "FAIL " : "";
        console.log(
          `${when} ${mark}${e.source.padEnd(10)} ${e.event}${e.detail === undefined ? "" : ` ${e.detail}`}`,
        );
      },
      onProgress: (done, total) => {
        if (total < 1000) return;
        const percent = Math.floor((done * 10) / total) * 10;
        if (percent !== lastPercent) {
          lastPercent = percent;
          console.error(`progress: ${percent}% (${done}/${total} steps)`);
        }
      },
    });
  } catch (error) {
    const message = error instanceof ScenarioError
      ? `invalid scenario ${file}: ${error.message}`
      : `${file}: ${(error as Error).message}`;
    if (json) console.log(JSON.stringify({ file, passed: false, error: message }));
    else console.error(`netsession sim run: ${message}`);
    return 2;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (json) {
    console.log(JSON.stringify({ file, ...result }));
  } else {
    for (const f of result.failures) console.log(`failed: steps[${f.step}] at ${f.at} ms: ${f.message}`);
    console.log(
      `${result.passed ? "passed" : "FAILED"}: ${result.steps} steps, ${result.events} session events, ` +
        `${(result.durationMs / 1000).toFixed(1)} s of virtual time in ${seconds.toFixed(2)} s` +
        (result.failures.length ? `, ${result.failures.length} failed expectation(s)` : ""),
    );
  }
  return result.passed ? 0 : 1;
}

if (import.meta.main) Deno.exit(await simRun(Deno.args));
