// The API documentation site (`deno task docs`: `deno doc --html` into docs/api/) opens on a getting-started
// page, the root README as the entry point's module doc, not on a bare list of constants; and it documents the
// symbols of every package.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

Deno.test({
  name: "deno task docs: the index is the README (getting started), and every package's symbols are there",
  sanitizeResources: false,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "docs"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const index = await Deno.readTextFile(new URL("docs/api/index.html", root));
    const text = index.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, "").replace(
      /<[^>]+>/g,
      " ",
    )
      .replace(/\s+/g, " ");
    const readme = await Deno.readTextFile(new URL("README.md", root));
    const first = readme.split("\n").find((l) => l.startsWith("Network session management"))!;
    assert.ok(text.includes("npm ci &amp;&amp; npm start"), "the first commands");
    assert.ok(text.includes(first.slice(0, 60)), "the README's introduction");
    for (const heading of ["Application-level roaming", "Packages", "Command line"]) {
      assert.ok(text.includes(heading), heading);
    }
    const all = await Deno.readTextFile(new URL("docs/api/all_symbols.html", root));
    for (
      const symbol of [
        "NetworkConfigurationManager",
        "SimWorld",
        "NetworkManagerDriver",
        "RemoteDriver",
        "serve",
      ]
    ) {
      assert.ok(all.includes(symbol), symbol);
    }
  },
});
