// A client process that crashes (SIGKILL: no close, no goodbye) loses its holds within a bounded time: the
// daemon notices its event stream is gone at the next keep-alive, and its lease expires after the TTL. The
// interface goes down only if nobody else holds it.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { startDaemon } from "./_helpers.ts";

const CLIENT = fileURLToPath(new URL("./_client_process.ts", import.meta.url));

Deno.test({
  name: "a crashed client process releases its hold within keep-alive + TTL; the link goes down",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const world = new SimWorld({ seed: 9 });
    world.addAccessPoint({ id: "wlan", activationMs: 50, deactivationMs: 20 });
    const d = await startDaemon({ world, realtime: true, leaseTtlMs: 1000, keepAliveMs: 100 });
    const server = d.server;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLIENT, server.url, server.token, "wlan"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      while (!printed.includes("opened")) {
        const { done, value } = await out.read();
        if (done) throw new Error(`the client exited: ${printed}`);
        printed += value;
      }
      await out.cancel();
      assert.equal(world.isUp("wlan"), true);
      assert.equal(server.daemon.sessions("crasher").length, 1);

      child.kill("SIGKILL"); // the child's own pid: the real deno process
      await child.status;
      const killedAt = Date.now();
      while (world.isUp("wlan")) {
        // Bounded: keep-alive (100 ms) + TTL (1000 ms) + deactivation, with a wide margin for a loaded machine.
        if (Date.now() - killedAt > 20_000) throw new Error("the crashed client's hold was never released");
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(server.daemon.sessions("crasher"), []);
      assert.equal(server.daemon.counters.clientsExpired, 1);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /netsession_clients_expired_total 1\b/);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await child.stderr.cancel().catch(() => {});
      await d.stop();
    }
  },
});
