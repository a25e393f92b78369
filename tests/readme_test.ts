import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

async function runExample(code: string): Promise<string> {
  // Written inside the workspace so that its import map applies, then removed.
  const file = new URL(`tests/.readme_example_${crypto.randomUUID()}.ts`, root);
  await Deno.writeTextFile(
    file,
    code.replaceAll('"./core/', '"../core/').replaceAll('"./drivers/', '"../drivers/'),
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", file.pathname],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return text;
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("README: the first example runs as written and opens a session", async () => {
  const out = await runExample(blocks[0]);
  assert.deepEqual(out.trim().split("\n"), ["state: connecting", "state: connected", "true sim0"]);
});

Deno.test("README: the application-level roaming example migrates to WLAN and accepts", async () => {
  const out = await runExample(blocks[1]);
  assert.deepEqual(out.trim().split("\n"), [
    'policies: [ "no-background-traffic" ]',
    "better: wlan (seamless: false)",
    "policies: []",
    "wlan",
  ]);
});

Deno.test("README: the carrier-test example rejects the captive portal and stays on LTE", async () => {
  const block = blocks.find((b) => b.includes("test the carrier"))!;
  const out = await runExample(block);
  assert.deepEqual(out.trim().split("\n"), ["new link: site (captive portal)", "lte online"]);
});

Deno.test("README: the need example waits for a link that is not metered and opens on WLAN", async () => {
  const block = blocks.find((b) => b.includes("configurationFor"))!;
  const out = await runExample(block);
  assert.deepEqual(out.trim().split("\n"), ["true wlan"]);
});
