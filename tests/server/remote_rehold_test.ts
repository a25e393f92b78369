// RemoteDriver keeps its holds when the daemon loses them while the local sessions still want their links:
// the daemon restarted (a new instance; the link survived, as a NetworkManager connection survives a daemon
// crash) or this client's lease expired while it could not reach the daemon. It takes them back with
// `attach` (joining a link that is up, never starting one), so the interface keeps a holder; a link that went
// down meanwhile closes the local session instead. The network between client and daemon is a switchable fetch.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld, VirtualClock } from "../../drivers/sim/mod.ts";
import { type DaemonServer, RemoteDriver } from "../../server/mod.ts";
import { drive, startDaemon, type TestDaemon, until } from "./_helpers.ts";

/** The client's way to the daemon: can be pointed elsewhere, blocked, and cut (open streams break). */
class Link {
  blocked = false;
  #cuts = new Set<() => void>();
  constructor(public target: string) {}
  fetch: typeof fetch = async (input, init) => {
    if (this.blocked) throw new TypeError("connection refused (the test blocked the link)");
    const url = String(input instanceof Request ? input.url : input).replace(/^http:\/\/[^/]+/, this.target);
    const res = await fetch(url, init);
    if (!res.body) return res;
    // The body goes through a stream of ours, so that cut() breaks it for the client and closes the connection.
    const reader = res.body.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const cut = () => {
      try {
        controller.error(new TypeError("connection cut by the test"));
      } catch { /* already closed */ }
      reader.cancel().catch(() => {});
    };
    this.#cuts.add(cut);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      pull: async (c) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            this.#cuts.delete(cut);
            c.close();
          } else c.enqueue(value);
        } catch (error) {
          this.#cuts.delete(cut);
          c.error(error);
        }
      },
      cancel: (reason) => {
        this.#cuts.delete(cut);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  cut(): void {
    for (const cut of [...this.#cuts]) cut();
    this.#cuts.clear();
  }
}

function world(options: { upByAnotherProgram?: boolean } = {}): SimWorld {
  const w = new SimWorld({ seed: 5 });
  w.addAccessPoint({ id: "wlan", bearer: "wlan", activationMs: 100, deactivationMs: 50 });
  if (options.upByAnotherProgram) w.activateExternally("wlan");
  return w;
}

function daemon(w: SimWorld, options: { leaseClock?: VirtualClock; tokenFile?: string } = {}) {
  return startDaemon({
    world: w,
    leaseTtlMs: 1000,
    keepAliveMs: 50, // a client that went away is noticed at the next keep-alive
    ...options, // a restarted daemon reads the token file its first start wrote
  });
}

const mySessions = (server: DaemonServer, client: string) =>
  server.daemon.sessions(client).filter((s) => s.state === "connected").map((s) => s.configuration);

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const survived of [true, false]) {
  Deno.test({
    ...opts,
    name: survived
      ? "remote: the daemon restarts and the link survived: the hold is taken back, the session stays open"
      : "remote: the daemon restarts and the link did not survive: the session is closed, nothing is brought up",
    async fn() {
      const a = await daemon(world());
      const link = new Link(a.server.url);
      const driver = new RemoteDriver({
        url: a.server.url,
        token: a.server.token,
        clientId: "app",
        fetch: link.fetch,
        maxReconnectMs: 50,
      });
      const manager = await NetworkConfigurationManager.create(driver);
      const w2 = world({ upByAnotherProgram: survived });
      let b: TestDaemon | undefined;
      try {
        const s = manager.createSession(manager.configurationFromIdentifier("wlan"));
        const log: string[] = [];
        s.on("closed", () => log.push("closed"));
        s.on("error", (e) => log.push(`error:${e}`));
        const opened = s.open();
        await until(() => s.isOpen, "the session to open", [a]);
        assert.equal(await opened, true);

        // The daemon "crashes": the client cannot reach it; a new daemon (new instance) takes its place.
        link.blocked = true;
        link.cut();
        const restarted = b = await daemon(w2, { tokenFile: a.server.tokenFile });
        assert.equal(restarted.server.token, a.server.token);
        link.target = restarted.server.url;
        link.blocked = false;
        const bDaemon = restarted.server.daemon;
        if (survived) {
          await until(
            () => mySessions(restarted.server, "app").includes("wlan"),
            "the hold to be taken back",
            [restarted],
          );
          assert.equal(s.isOpen, true);
          assert.equal(s.state, "connected");
          assert.deepEqual(log, []);
          // The other program lets go: the link stays up, held by this client through the new daemon.
          await bDaemon.exclusive(() => w2.releaseExternally("wlan"));
          await bDaemon.advance(500);
          assert.equal(w2.isUp("wlan"), true);
          s.close();
          await until(() => !w2.isUp("wlan"), "the link to go down after the close", [restarted]);
        } else {
          await until(() => !s.isOpen, "the session to be closed", [restarted]);
          assert.deepEqual(log, ["error:session-aborted", "closed"]);
          await bDaemon.advance(500);
          await new Promise((r) => setTimeout(r, 50));
          assert.equal(w2.isUp("wlan"), false, "attach never brings a link up");
          assert.deepEqual(bDaemon.sessions("app"), []);
        }
      } finally {
        await drive(manager.close(), b ? [a, b] : [a]);
        await a.stop();
        await b?.stop();
      }
    },
  });
}

Deno.test({
  ...opts,
  name: "remote: a lease that expired while the client was cut off is taken back when it reconnects",
  async fn() {
    const leaseClock = new VirtualClock();
    const w = world();
    const d = await daemon(w, { leaseClock });
    const link = new Link(d.server.url);
    const tick = () => d.server.daemon.advance(10);
    const app = await NetworkConfigurationManager.create(
      new RemoteDriver({
        url: d.server.url,
        token: d.server.token,
        clientId: "app",
        fetch: link.fetch,
        maxReconnectMs: 50,
      }),
    );
    const other = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: d.server.url, token: d.server.token, clientId: "other" }),
    );
    try {
      const mine = app.createSession(app.configurationFromIdentifier("wlan"));
      const theirs = other.createSession(other.configurationFromIdentifier("wlan"));
      const log: string[] = [];
      mine.on("closed", () => log.push("closed"));
      mine.on("error", (e) => log.push(`error:${e}`));
      const opened = Promise.all([mine.open(), theirs.open()]);
      await until(() => mine.isOpen && theirs.isOpen, "both sessions to open", [d]);
      assert.deepEqual(await opened, [true, true]);

      // The app is cut off for longer than its lease: the daemon closes its session; "other" keeps the link up.
      link.blocked = true;
      link.cut();
      // Its connection closed: its holds go at once (no TTL any more for a client that had a stream).
      await until(
        () => (d.server.daemon.clients().find((c) => c.id === "app")?.streams ?? 0) === 0,
        "the stream to end",
      );
      assert.deepEqual(mySessions(d.server, "app"), []);
      assert.equal(w.isUp("wlan"), true);

      link.blocked = false;
      await until(() => mySessions(d.server, "app").includes("wlan"), "the hold to be taken back", [d]);
      assert.equal(mine.isOpen, true);
      assert.deepEqual(log, []);
      // The other process leaves: the link stays up for this one.
      theirs.close();
      await until(() => !theirs.isOpen, "the other close", [d]);
      for (let i = 0; i < 20; i++) await tick();
      assert.equal(w.isUp("wlan"), true);
      mine.close();
      await until(() => !w.isUp("wlan"), "the link to go down with the last holder", [d]);
    } finally {
      await drive(app.close(), [d]);
      await drive(other.close(), [d]);
      await d.stop();
    }
  },
});
