// `npm start` stops the daemon when its own process gets SIGTERM or SIGINT (npm passes the signal to
// scripts/npm_start.mjs, which passes it to the daemon): nothing is left serving.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name: `npm start: ${signal} to npm's process stops the daemon`,
    sanitizeResources: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "netsession-npm-start-" });
      const child = new Deno.Command("npm", {
        // A private socket: a daemon the machine already runs keeps the default one.
        args: [
          "start",
          "--",
          "--port",
          "0",
          "--no-lively",
          "--token-file",
          `${dir}/token`,
          "--socket",
          `${dir}/daemon.sock`,
        ],
        cwd: root,
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      try {
        while (!/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(printed)) {
          const { done, value } = await reader.read();
          if (done) throw new Error(`npm start exited early:\n${printed}`);
          printed += value;
        }
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1];
        assert.equal((await fetch(`${url}/v1`)).status < 500, true);
        child.kill(signal);
        const status = await child.status;
        assert.equal(
          status.success || status.signal === signal,
          true,
          `npm exited: ${JSON.stringify(status)}`,
        );
        const refused = await fetch(`${url}/v1`).then((r) => (r.body?.cancel(), false), () => true);
        assert.equal(refused, true, "the daemon no longer answers");
      } finally {
        await reader.cancel().catch(() => {});
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
