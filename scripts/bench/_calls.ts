// Function calls made by a piece of work, from V8's precise coverage with call counts (through node:inspector):
// every call of a JavaScript function of the project's own modules (builtins and the runtime's modules are not
// counted). Like the bytes allocated, and unlike time, the count does not move with the machine's load.
import { withInspector } from "./_inspector.ts";

/** The modules whose functions measure rather than work: this one and the inspector connection. */
const MEASURING = [import.meta.url, new URL("./_inspector.ts", import.meta.url).href];

interface FunctionCoverage {
  ranges: { startOffset: number; count: number }[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

/**
 * How many times `fn` calls functions of modules loaded from files (`file:` URLs: the project's own), leaving out
 * the module of `except` (the caller's, whose loop is not the work measured) and the measure's own. Runs `fn`
 * once.
 */
export function callsMade(fn: () => unknown, except?: string | URL): Promise<number> {
  const left = except === undefined ? undefined : String(except);
  return withInspector(async (post) => {
    await post("Profiler.enable");
    await post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
    await post("Profiler.takePreciseCoverage"); // counts start from here (each take resets them)
    await fn();
    const { result } = await post<{ result: ScriptCoverage[] }>("Profiler.takePreciseCoverage");
    let calls = 0;
    for (const script of result) {
      if (!script.url.startsWith("file:") || script.url === left || MEASURING.includes(script.url)) continue;
      // a script's top level (the function that starts at offset 0) ran once, when it was loaded
      for (const f of script.functions) if (f.ranges[0].startOffset > 0) calls += f.ranges[0].count;
    }
    return calls;
  }, ["Profiler.stopPreciseCoverage", "Profiler.disable"]);
}
