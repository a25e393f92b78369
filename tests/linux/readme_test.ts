// The `deno run` example of drivers/linux/README.md, run as written against a real private NetworkManager
// (scripts/lab): it must list the lab's connections and open a session on one of them.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";

const skip = await labSkipReason("tests/linux/readme_test.ts");
const here = new URL("./", import.meta.url);

Deno.test({
  name: "linux README: the deno run example opens a session on a real NetworkManager connection",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const readme = await Deno.readTextFile(new URL("../../drivers/linux/README.md", here));
    // The README marks it `ts ignore` for the README snippet test (it needs a NetworkManager): run here, on the lab's.
    const code = readme.match(/```ts(?: ignore)?\n([\s\S]*?)```/)?.[1];
    assert.ok(code, "drivers/linux/README.md has a ts example");
    const lab = await startLab({ accessPoints: 2 });
    // Inside the workspace, so that "@netsession/core" and "@netsession/linux" resolve as a user's would.
    const file = new URL(`.readme_example_${crypto.randomUUID()}.ts`, here);
    await Deno.writeTextFile(file, code);
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file.pathname],
        env: { DBUS_SYSTEM_BUS_ADDRESS: lab.busAddress },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `${text}\n${new TextDecoder().decode(out.stderr)}`);
      const lines = text.trim().split("\n");
      for (const name of ["lab-a", "lab-b"]) {
        assert.ok(lines.some((l) => l.startsWith(`${lab.uuids[name]} ${name} ethernet`)), text);
      }
      assert.match(text, /^connectivity: (full|limited|portal|none|unknown)$/m);
      const up = lines.find((l) => l.startsWith("up on"));
      assert.ok(up, `no "up on" line:\n${text}`);
      // "up on ns-a (index 7) 10.88.1.2/24 fe80::…/64, 0 bytes received": a lab interface with a real index and
      // its IPv4 address from the access point's DHCP.
      const m = up.match(/^up on (\S+) \(index (\d+)\) (.*), (\d+) bytes received$/);
      assert.ok(m, up);
      assert.ok(Object.values(lab.interfaces).includes(m[1]), `${m[1]} is not a lab interface: ${up}`);
      assert.ok(Number(m[2]) > 0, up);
      assert.match(m[3], /\d+\.\d+\.\d+\.\d+\/\d+/, up);
    } finally {
      await Deno.remove(file).catch(() => {});
      await lab.stop();
    }
  },
});
