// The command line: `deno run -A server/serve.ts` starts, answers, writes a 0600 token file, and on SIGTERM
// tells its event-stream clients (`shutdown`), closes its sessions and exits 0.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const SERVE = fileURLToPath(new URL("../../server/serve.ts", import.meta.url));
// Extra deno flags for the child (for example an import map while server/ is not a workspace member).
const EXTRA = (Deno.env.get("NETSESSION_DENO_FLAGS") ?? "").split(" ").filter((f) => f !== "");

async function readUntil(reader: ReadableStreamDefaultReader<string>, pattern: RegExp, sink: string[]) {
  const deadline = Date.now() + 30_000;
  let text = sink.join("");
  while (!pattern.test(text)) {
    if (Date.now() > deadline) throw new Error(`the daemon did not print ${pattern}; it printed:\n${text}`);
    const { done, value } = await reader.read();
    if (done) throw new Error(`the daemon exited before printing ${pattern}; it printed:\n${text}`);
    sink.push(value);
    text = sink.join("");
  }
  return pattern.exec(text)!;
}

Deno.test({
  name: "serve.ts starts, serves, and on SIGTERM says shutdown to its clients, closes sessions and exits 0",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "netsession-cli-" });
    const tokenFile = `${dir}/sub/token`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...EXTRA,
        SERVE,
        "--port",
        "0",
        "--socket",
        `${dir}/daemon.sock`,
        "--token-file",
        tokenFile,
        "--no-lively",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const printed: string[] = [];
    try {
      const [, url] = await readUntil(out, /listening on (http:\/\/127\.0\.0\.1:\d+)/, printed);
      await readUntil(out, /token file: /, printed);
      const stat = await Deno.stat(tokenFile);
      assert.equal(stat.mode! & 0o777, 0o600, "the token file is private");
      const token = (await Deno.readTextFile(tokenFile)).trim();
      assert.ok(token.length >= 32);

      const configurations = await (await fetch(`${url}/v1/configurations`)).json();
      assert.ok(
        configurations.configurations.some((c: { identifier: string }) => c.identifier === "internet"),
      );

      // A client with a stream and an open session (the real-time clock brings the link up).
      const events = await fetch(`${url}/v1/events?client=cli-test`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(events.status, 200);
      const key = events.headers.get("X-Netsession-Client-Key")!;
      const opened = await fetch(`${url}/v1/sessions`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
          "X-Netsession-Client-Key": key,
        },
        body: JSON.stringify({ configuration: "home-wlan", client: "cli-test" }),
      });
      assert.equal(opened.status, 201, await opened.clone().text());
      await opened.body?.cancel();

      child.kill("SIGTERM"); // the child's own pid
      const text = await new Response(events.body).text(); // ends when the daemon closes the stream
      const types = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) =>
        JSON.parse(l.slice(6)).type
      );
      assert.ok(types.includes("shutdown"), types.join(","));
      assert.ok(types.includes("session-closed"), "the session was closed before exit");
      const status = await child.status;
      const rest: string[] = [];
      for (;;) {
        const { done, value } = await out.read();
        if (done) break;
        rest.push(value);
      }
      assert.equal(status.code, 0, `exit code; stderr: ${await new Response(child.stderr).text()}`);
      assert.match(printed.join("") + rest.join(""), /stopped/);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("serve.ts refuses a non-loopback host without --allow-remote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netsession-cli-" });
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...EXTRA, SERVE, "--host", "0.0.0.0", "--port", "0", "--token-file", `${dir}/t`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(result.code, 1);
    assert.match(new TextDecoder().decode(result.stderr), /allow-remote/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
