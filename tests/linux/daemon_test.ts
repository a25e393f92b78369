// The daemon on the Linux driver (`serve.ts --driver linux`) against a real private NetworkManager
// (scripts/lab): two client processes' sessions through RemoteDriver share the daemon's counter, so the real
// connection stays up until the last of them closes; a client that goes away releases its hold.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { RemoteDriver } from "../../server/mod.ts";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { until } from "./_helpers.ts";

const skip = await labSkipReason("tests/linux/daemon_test.ts");
const SERVE = fileURLToPath(new URL("../../server/serve.ts", import.meta.url));

Deno.test({
  name: "linux: the daemon on NetworkManager keeps a connection up while any client holds it",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const lab = await startLab({ accessPoints: 2 });
    const dir = await Deno.makeTempDir({ prefix: "netsession-linux-daemon-" });
    const child = new Deno.Command(Deno.execPath(), {
      // A private socket: a daemon the machine already runs keeps the default one.
      args: [
        "run",
        "-A",
        SERVE,
        "--driver",
        "linux",
        "--port",
        "0",
        "--token-file",
        `${dir}/token`,
        "--socket",
        `${dir}/daemon.sock`,
      ],
      env: { DBUS_SYSTEM_BUS_ADDRESS: lab.busAddress },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const managers: NetworkConfigurationManager[] = [];
    try {
      let printed = "";
      while (!/token file: /.test(printed)) {
        const { done, value } = await out.read();
        if (done) {
          throw new Error(`the daemon exited: ${printed}\n${await new Response(child.stderr).text()}`);
        }
        printed += value;
      }
      const url = printed.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)![1];
      assert.match(printed, /\(linux driver\)/);
      const token = (await Deno.readTextFile(`${dir}/token`)).trim();
      const a = lab.uuids["lab-a"];
      const active = async () => (await lab.nmcli("-g", "UUID", "connection", "show", "--active")).trim();

      // The daemon lists NetworkManager's connections.
      const list = await (await fetch(`${url}/v1/configurations`)).json();
      const names = list.configurations.map((c: { name: string }) => c.name);
      assert.ok(names.includes("lab-a") && names.includes("lab-b"), names.join(","));

      const client = async (id: string) => {
        const m = await NetworkConfigurationManager.create(new RemoteDriver({ url, token, clientId: id }));
        managers.push(m);
        assert.ok(m.capabilities().includes("system-session-support"));
        const s = m.createSession(m.configurationFromIdentifier(a));
        assert.equal(await s.open(), true, s.errorString);
        return { m, s };
      };
      const one = await client("one");
      assert.equal(await active(), a); // NetworkManager brought lab-a up
      const two = await client("two");
      one.s.close();
      await until(() => one.s.state === "connected" && !one.s.isOpen, "the first close (the link stays up)");
      assert.equal(await active(), a, "another process still holds lab-a: it stays up");
      // The second client goes away without closing: its hold is released, and the connection goes down.
      await two.m.close();
      await until(
        () => one.m.configurationFromIdentifier(a).state === "discovered",
        "lab-a down after the last",
      );
      assert.equal(await active(), "");
    } finally {
      for (const m of managers) await m.close().catch(() => {});
      try {
        child.kill("SIGTERM");
      } catch { /* exited */ }
      await child.status;
      await out.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await lab.stop();
    }
  },
});
