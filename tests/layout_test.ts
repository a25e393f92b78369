/**
 * The layout rules of the "one job per file" design, checked on every run: no
 * module outside tests longer than about 500 lines, and no import cycle among
 * the packages' and scripts' modules (relative imports and the workspace's
 * `@netsession/*` names, resolved to files). Type-only imports are erased
 * when a module runs, so they do not count.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const MAX_LINES = 550; // "about 500": a tenth of slack
const PACKAGES: Record<string, string> = {
  "@netsession/core": "core/mod.ts",
  "@netsession/core/driver": "core/driver_api.ts",
  "@netsession/sim": "drivers/sim/mod.ts",
  "@netsession/linux": "drivers/linux/mod.ts",
  "@netsession/server": "server/mod.ts",
};

async function* modules(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(new URL(dir, root))) {
    const path = `${dir}${e.name}`;
    if (e.isDirectory && !e.name.startsWith(".") && e.name !== "node_modules") yield* modules(`${path}/`);
    else if (e.isFile && e.name.endsWith(".ts") && !/_(test|bench)\.ts$/.test(e.name)) yield path;
  }
}

async function sources(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of ["core/", "drivers/", "server/", "scripts/"]) {
    for await (const path of modules(dir)) out.set(path, await Deno.readTextFile(new URL(path, root)));
  }
  return out;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

/** The modules `path` imports at run time (static imports and re-exports; `import type` is erased). */
function imports(path: string, text: string): string[] {
  const out: string[] = [];
  const dir = path.slice(0, path.lastIndexOf("/") + 1);
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s)?[^;]*?\bfrom\s+"([^"]+)"/gms)) {
    if (m[2]) continue;
    const spec = m[3];
    if (spec.startsWith(".")) out.push(normalize(dir + spec));
    else if (PACKAGES[spec]) out.push(PACKAGES[spec]);
  }
  return out;
}

Deno.test("layout: no module outside tests is longer than about 500 lines", async () => {
  const long = [...await sources()].map(([path, text]) => [path, text.split("\n").length] as const)
    .filter(([, n]) => n > MAX_LINES);
  assert.deepEqual(long, [], `split these modules by job (limit ${MAX_LINES} lines)`);
});

Deno.test("layout: no import cycle among the modules", async () => {
  const src = await sources();
  const graph = new Map(
    [...src].map(([path, text]) => [path, imports(path, text).filter((i) => src.has(i))]),
  );
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  assert.deepEqual(cycles, []);
});
