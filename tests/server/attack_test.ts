// The daemon attacked as a hostile local user would: over loopback TCP without the token, over the socket as
// another uid (setpriv, as root), with half-open connections, huge WebSocket frames, HEAD on the stream route,
// someone else's client id, aborted uploads, and a long scenario. After every attack the daemon still serves.
import assert from "node:assert/strict";
import { parseServeArgs, serve, type ServeOptions } from "../../server/mod.ts";
import { makeWorld, setup, TOKEN } from "./_helpers.ts";

const root = (() => {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
})();
const ci = Deno.env.get("CI") === "true";

async function start(options: Partial<ServeOptions> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "netsession-attack-" });
  await Deno.chmod(dir, 0o755);
  const server = await serve({
    world: makeWorld(),
    port: 0,
    socket: `${dir}/daemon.sock`,
    tokenFile: `${dir}/token`,
    realtime: false,
    lively: false,
    log: () => {},
    ...options,
    ...(options.socket === undefined ? { socket: `${dir}/daemon.sock` } : {}),
    ...(options.tokenFile === undefined || options.tokenFile.startsWith("/run/")
      ? { tokenFile: `${dir}/token` }
      : {}),
  });
  return {
    server,
    dir,
    async close() {
      const down = server.shutdown();
      let done = false;
      down.then(() => done = true);
      for (let i = 0; i < 400 && !done; i++) await server.daemon.advance(50);
      await down;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Reads from `conn` until it is closed (bounded by the daemon's own time-outs); returns what came. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return text;
}

async function stillServes(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/status`);
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

function allocations(daemon: import("../../server/mod.ts").Daemon) {
  return {
    clients: daemon.clients().length,
    subscribers: daemon.bus.subscriberCount,
    holds: [...daemon.manager.holdCounts().values()].reduce((a, b) => a + b, 0),
  };
}

Deno.test("HEAD of the stream route opens no stream and allocates nothing; GET ?client= without authority is 401", async () => {
  const h = await setup();
  try {
    const before = allocations(h.daemon);
    for (let i = 0; i < 50; i++) {
      const res = await h.app.request(`/v1/events?client=victim`, { method: "HEAD" });
      assert.equal(res.status, 200);
      assert.equal(res.body, null);
    }
    const held = await h.app.request(`/v1/events?client=victim`);
    assert.equal(held.status, 401);
    await held.body?.cancel();
    const ws = await h.app.request(`/v1/events/ws`, { headers: { Upgrade: "websocket" } });
    assert.equal(ws.status, 401);
    await ws.body?.cancel();
    assert.deepEqual(allocations(h.daemon), before);
  } finally {
    await h.close();
  }
});

Deno.test("a token holder cannot take over another client's id by naming it (403), nor end its sessions", async () => {
  const h = await setup();
  try {
    const mine = await h.settle(
      h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client: "mail" } }),
    );
    assert.equal(mine.status, 201);
    const { session } = await mine.json();
    const asMail = { Authorization: `Bearer ${TOKEN}`, "X-Netsession-Client": "mail" };
    for (
      const [method, path] of [
        ["DELETE", `/v1/sessions/${session.id}`],
        ["POST", `/v1/sessions/${session.id}/stop`],
        ["DELETE", `/v1/clients/mail`],
        ["POST", `/v1/clients/mail/heartbeat`],
        ["GET", `/v1/events?client=mail`],
      ]
    ) {
      const res = await h.app.request(path, { method, headers: asMail });
      assert.equal(res.status, 403, `${method} ${path}`);
      await res.body?.cancel();
    }
    const wrongKey = await h.app.request(`/v1/sessions/${session.id}`, {
      method: "DELETE",
      headers: { ...asMail, "X-Netsession-Client-Key": "guess" },
    });
    assert.equal(wrongKey.status, 403);
    await wrongKey.body?.cancel();
    assert.equal(h.daemon.session(session.id).state, "connected");
    // Its owner, with the key the daemon gave it, can.
    const closed = await h.settle(h.req("DELETE", `/v1/sessions/${session.id}`, { client: "mail" }));
    assert.equal(closed.status, 200);
  } finally {
    await h.close();
  }
});

Deno.test("a resume 500 events back (within the 1,024 kept) replays all 500 and reports no gap", async () => {
  const h = await setup();
  try {
    const from = h.daemon.bus.seq;
    for (let i = 0; i < 500; i++) h.daemon.bus.publish({ type: "online-changed", online: i % 2 === 0 });
    const sub = h.daemon.subscribe({ since: from });
    const seen: number[] = [];
    for (let item = await sub.next(0); item; item = await sub.next(0)) {
      assert.notEqual(JSON.parse(item.data).type, "gap");
      if (item.id !== undefined) seen.push(item.id); // the hello has no id
    }
    sub.close();
    assert.equal(seen.length, 500);
    assert.equal(seen[0], from + 1);
  } finally {
    await h.close();
  }
});

Deno.test("over TCP without the token: no page or route gives the token, nothing changes, nothing stays allocated", async () => {
  const d = await start();
  try {
    const { url, daemon, token } = d.server;
    const before = allocations(daemon);
    const page = await (await fetch(`${url}/`)).text();
    assert.ok(!page.includes(token), "the page carries no token");
    for (
      const path of ["/v1/sessions", "/v1/scan", "/v1/world/signal", "/v1/clients/x/heartbeat", "/v1/sign-in"]
    ) {
      const res = await fetch(`${url}${path}`, { method: "POST", body: "{}" });
      assert.equal(res.status, 401, path);
      assert.ok(!(await res.text()).includes(token));
    }
    const head = await fetch(`${url}/v1/events?client=victim`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.deepEqual(allocations(daemon), before);
    await stillServes(url);
  } finally {
    await d.close();
  }
});

Deno.test("half-open connections, slow heads and slow bodies are closed by the time-outs; the daemon keeps serving", async () => {
  const d = await start({ limits: { headerTimeoutMs: 150, bodyTimeoutMs: 150, idleTimeoutMs: 300 } });
  try {
    const { port, url } = d.server;
    const silent = await Promise.all(
      Array.from({ length: 30 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    const slowHead = await Deno.connect({ hostname: "127.0.0.1", port });
    await slowHead.write(new TextEncoder().encode("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1"));
    const slowBody = await Deno.connect({ hostname: "127.0.0.1", port });
    await slowBody.write(
      new TextEncoder().encode(
        `POST /v1/scan HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 100\r\n\r\n{`,
      ),
    );
    const texts = await Promise.all([...silent, slowHead, slowBody].map(readToEnd));
    assert.match(texts[30], /408/);
    assert.equal(d.server.connections().tcp, 0, "every one was closed");
    await stillServes(url);
  } finally {
    await d.close();
  }
});

Deno.test("a WebSocket frame over 4 KiB is refused from its header, before its payload is read", async () => {
  const d = await start();
  try {
    const { port, url, token } = d.server;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      new TextEncoder().encode(
        `GET /v1/events/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          `Authorization: Bearer ${token}\r\n\r\n`,
      ),
    );
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1.1 101/);
    // A binary frame announcing 48 MiB (masked), and a first few bytes of it.
    const header = new Uint8Array([0x82, 0xff, 0, 0, 0, 0, 0x03, 0, 0, 0, 1, 2, 3, 4]);
    await conn.write(header).catch(() => 0);
    await conn.write(new Uint8Array(1024)).catch(() => 0);
    await readToEnd(conn); // closed by the daemon
    assert.equal(d.server.connections().tcp, 0);
    // Unauthorized: no upgrade at all.
    const anon = await Deno.connect({ hostname: "127.0.0.1", port });
    await anon.write(
      new TextEncoder().encode(
        `GET /v1/events/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    const m = await anon.read(buf);
    assert.match(new TextDecoder().decode(buf.subarray(0, m ?? 0)), /^HTTP\/1.1 401/);
    anon.close();
    await stillServes(url);
  } finally {
    await d.close();
  }
});

Deno.test("an upload abandoned mid-way is a client abort, not an internal error", async () => {
  const d = await start();
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const { port, url, token } = d.server;
    for (let i = 0; i < 5; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode(
          `POST /v1/world/signal HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Length: 5000\r\n\r\n{"id":"wlan",`,
        ),
      );
      conn.close();
    }
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 2)); // let the aborts reach the app
    await stillServes(url);
  } finally {
    console.error = original;
    await d.close();
  }
  assert.deepEqual(logged, []);
});

Deno.test("a crashed client's holds go as soon as its connection closes (the socket, no TTL)", async () => {
  const d = await start({ leaseTtlMs: 60_000 });
  try {
    const { daemon, socket } = d.server;
    const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket! } });
    const stream = await fetch("http://localhost/v1/events?client=crashy", { client });
    const key = stream.headers.get("X-Netsession-Client-Key")!;
    const opening = fetch("http://localhost/v1/sessions", {
      client,
      method: "POST",
      headers: { "X-Netsession-Client-Key": key },
      body: JSON.stringify({ configuration: "wlan", client: "crashy" }),
    });
    let opened: Response | undefined;
    let failed: unknown;
    opening.then((r) => opened = r, (e) => failed = e); // a refused request fails the test below, not the runner
    // The request travels over a real socket: each round gives it real time too (a loaded machine is slow).
    for (let i = 0; i < 400 && !opened && !failed; i++) {
      await daemon.advance(20);
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(failed, undefined, `the open over the socket failed: ${failed}`);
    assert.equal(opened?.status, 201);
    await opened!.body?.cancel();
    assert.equal(daemon.manager.holdCount("wlan"), 1);
    await stream.body?.cancel(); // the connection closes, as when the process dies
    client.close();
    for (let i = 0; i < 200 && daemon.clients().length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(daemon.clients().length, 0);
    assert.equal(daemon.manager.holdCount("wlan"), 0, "the hold went with the connection, not a TTL later");
  } finally {
    await d.close();
  }
});

Deno.test("a long scenario plays without stalling the clock or the world routes", async () => {
  const h = await setup();
  try {
    const steps = Array.from({ length: 100 }, (_, i) => ({
      at: i * 5000,
      action: "setSignal",
      id: "lte",
      signal: 10 + (i % 80),
    }));
    let finished = false;
    h.daemon.playScenario({ steps }).then(() => finished = true);
    // While it plays, a world change and a clock advance each get their turn long before the end.
    await h.daemon.advance(10);
    const res = await h.req("POST", "/v1/world/signal", { body: { id: "wlan", signal: 33 } });
    assert.equal(res.status, 200);
    assert.equal(finished, false, "the scenario is still playing");
    for (let i = 0; i < 5000 && !finished; i++) await new Promise((r) => setTimeout(r, 0));
    assert.equal(finished, true);
  } finally {
    await h.close();
  }
});

Deno.test({
  name:
    "another local user (setpriv, uid 65534) cannot connect to the 0660 socket, nor get the token over TCP",
  ignore: !root && !ci,
  async fn() {
    if (!root) throw new Error("CI=true but not root: setpriv needs root");
    const d = await start();
    try {
      const { socket, url, token } = d.server;
      const mode = (await Deno.stat(socket!)).mode! & 0o777;
      assert.equal(mode, 0o660);
      const script = `
        const out = {};
        try { (await Deno.connect({ transport: "unix", path: ${
        JSON.stringify(socket)
      } })).close(); out.socket = "connected"; }
        catch (e) { out.socket = e.name; }
        const page = await (await fetch(${JSON.stringify(url + "/")})).text();
        out.pageHasToken = page.includes(${JSON.stringify(token)});
        const post = await fetch(${
        JSON.stringify(url + "/v1/world/signal")
      }, { method: "POST", body: '{"id":"wlan","signal":1}' });
        out.post = post.status;
        const stream = await fetch(${JSON.stringify(url + "/v1/events?client=victim")});
        out.stream = stream.status;
        await stream.body?.cancel();
        console.log(JSON.stringify(out));`;
      const home = await Deno.makeTempDir({ prefix: "netsession-nobody-" });
      await Deno.chmod(home, 0o777);
      const out = await new Deno.Command("setpriv", {
        args: ["--reuid=65534", "--regid=65534", "--clear-groups", Deno.execPath(), "eval", script],
        env: { DENO_DIR: `${home}/deno`, HOME: home, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      await Deno.remove(home, { recursive: true });
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const seen = JSON.parse(text.trim().split("\n").at(-1)!);
      assert.deepEqual(seen, { socket: "PermissionDenied", pageHasToken: false, post: 401, stream: 401 });
      assert.equal(d.server.daemon.world!.accessPoint("wlan").signal, 80, "unchanged");
      await stillServes(url);
    } finally {
      await d.close();
    }
  },
});

Deno.test("the systemd unit's command line parses with the CLI's parser, and the socket is what it says", async () => {
  const unit = await Deno.readTextFile(new URL("../../deploy/netsession.service", import.meta.url));
  const exec = /^ExecStart=(.+)$/m.exec(unit)![1].split(/\s+/);
  const args = exec.slice(exec.indexOf("serve") + 1);
  const options = parseServeArgs(args);
  assert.equal(options.driver, "linux");
  assert.equal(options.port, null, "no TCP port");
  assert.equal(options.socket, "/run/netsession/daemon.sock");
  assert.equal(options.socketGroup, "netsession");
  assert.match(unit, /^RuntimeDirectory=netsession$/m);
  assert.match(unit, /^ProtectSystem=strict$/m);
  assert.match(unit, /^NoNewPrivileges=yes$/m);
  assert.match(unit, /^CapabilityBoundingSet=CAP_CHOWN$/m);
  // The same options on the simulator, the socket in a private place and a group that exists here.
  const group = root ? "65534" : String(Deno.gid() ?? 0);
  const d = await start({ ...options, driver: "sim", socket: undefined, socketGroup: group, port: null });
  try {
    const stat = await Deno.stat(d.server.socket!);
    assert.equal(stat.mode! & 0o777, 0o660);
    assert.equal(String(stat.gid), group);
  } finally {
    await d.close();
  }
});
