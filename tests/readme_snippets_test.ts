// Every README (README.md, */README.md, drivers/*/README.md) as a new user meets it: every ```ts snippet runs as
// written (```ts ignore marks one that needs a real system, and its first line must say why), every relative
// link points at a file that exists (and a heading, for #anchors into Markdown), and every `file.md` it names
// in code spans exists. A snippet runs from a file next to its README (so its relative imports and the
// workspace's import map apply) with the repository as working directory; one with Deno.test runs as a test.
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

async function readmes(): Promise<string[]> {
  const found = [join(root, "README.md")];
  for (const base of ["", "drivers"]) {
    for await (const entry of Deno.readDir(join(root, base))) {
      if (!entry.isDirectory || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const file = join(root, base, entry.name, "README.md");
      if (await exists(file)) found.push(file);
    }
  }
  return found.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

interface Snippet {
  readonly info: string;
  readonly code: string;
  readonly line: number;
}

function snippets(text: string): Snippet[] {
  const out: Snippet[] = [];
  for (const m of text.matchAll(/^```(ts[^\n]*)\n([\s\S]*?)^```$/gm)) {
    out.push({ info: m[1].trim(), code: m[2], line: text.slice(0, m.index).split("\n").length });
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(text: string): Set<string> {
  const set = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    set.add(m[1].trim().toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-"));
  }
  return set;
}

const files = await readmes();
const texts = new Map(await Promise.all(files.map(async (f) => [f, await Deno.readTextFile(f)] as const)));

Deno.test("every README is found (root, packages, drivers)", () => {
  const names = files.map((f) => relative(root, f));
  for (const name of ["README.md", "core/README.md", "server/README.md", "drivers/sim/README.md"]) {
    assert.ok(names.includes(name), `${name} in ${names}`);
  }
});

for (const file of files) {
  const name = relative(root, file);
  const text = texts.get(file)!;

  Deno.test(`${name}: every relative link and named .md file exists`, async () => {
    const broken: string[] = [];
    // Fenced code is not prose: links in it are not links.
    const prose = text.replace(/^```[\s\S]*?^```$/gm, "");
    for (const m of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#");
      const resolved = path === "" ? file : join(dirname(file), path);
      if (!(await exists(resolved))) {
        broken.push(`${target}: no ${relative(root, resolved)}`);
        continue;
      }
      if (anchor && resolved.endsWith(".md")) {
        const heads = anchors(await Deno.readTextFile(resolved));
        if (!heads.has(anchor)) broken.push(`${target}: no heading #${anchor}`);
      }
    }
    for (const m of prose.matchAll(/`([\w./-]+\.md)`/g)) {
      const named = m[1];
      if (!(await exists(join(dirname(file), named))) && !(await exists(join(root, named)))) {
        broken.push(`\`${named}\`: no such file`);
      }
    }
    assert.deepEqual(broken, [], `${name}`);
  });

  for (const [i, s] of snippets(text).entries()) {
    const ignored = s.info !== "ts";
    Deno.test({
      name: `${name}: ts snippet ${i + 1} (line ${s.line}) ${
        ignored ? "is marked ignore with a reason" : "runs as written"
      }`,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        if (ignored) {
          assert.equal(s.info, "ts ignore", `line ${s.line}: \`\`\`${s.info}`);
          assert.match(
            s.code.split("\n")[0],
            /^\/\/ .*(needs|Not run)/i,
            `line ${s.line}: say why it is not run`,
          );
          return;
        }
        const snippet = join(dirname(file), `.readme_snippet_${crypto.randomUUID()}.ts`);
        await Deno.writeTextFile(snippet, s.code);
        try {
          const test = s.code.includes("Deno.test(");
          const out = await new Deno.Command(Deno.execPath(), {
            args: test ? ["test", "-A", "--quiet", snippet] : ["run", "-A", snippet],
            cwd: root,
            stdout: "piped",
            stderr: "piped",
            env: { NO_COLOR: "1" },
            signal: AbortSignal.timeout(120_000),
          }).output();
          const decode = (b: Uint8Array) => new TextDecoder().decode(b);
          assert.equal(out.code, 0, `${name} line ${s.line}:\n${decode(out.stdout)}\n${decode(out.stderr)}`);
        } finally {
          await Deno.remove(snippet);
        }
      },
    });
  }
}
