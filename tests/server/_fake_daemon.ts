// A daemon on the core's hand-driven FakeDriver (core/_fake_driver.ts), for what the simulator cannot do yet
// (reachability and captive portals, until its world.setReachability lands): in-process (app.request) or on a
// loopback socket (for RemoteDriver and the browser).
import { ap, FakeDriver, sn } from "../../core/_fake_driver.ts";
import { createApp, Daemon, type DaemonApp, type DaemonOptions } from "../../server/mod.ts";

export const FAKE_TOKEN = "fake-token-0123456789";

/** `wlan` (online once up), `lte` (metered, online once up) and the service network `internet`, the default. */
export function fakeDriver(): FakeDriver {
  const driver = new FakeDriver([
    ap("wlan", { name: "WLAN", bearerType: "wlan" }),
    ap("lte", { name: "LTE", bearerType: "lte", metered: true }),
    sn("internet", ["wlan", "lte"], { roamingAvailable: true }),
  ]);
  driver.defaultId = "internet";
  driver.setReach("wlan", "online");
  driver.setReach("lte", "online");
  return driver;
}

export interface FakeDaemon {
  driver: FakeDriver;
  daemon: Daemon;
  app: DaemonApp;
  /** The base URL when served on a socket (`serveFake`), else "". */
  url: string;
  token: string;
  /** A request (token unless `token: null`; `body` sent as JSON). */
  req(
    method: string,
    path: string,
    options?: { token?: string | null; client?: string; body?: unknown },
  ): Promise<Response>;
  close(): Promise<void>;
}

function init(o: { token?: string | null; client?: string; body?: unknown }): RequestInit {
  const headers: Record<string, string> = {};
  const token = o.token === undefined ? FAKE_TOKEN : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (o.client !== undefined) headers["X-Netsession-Client"] = o.client;
  return o.body === undefined ? { headers } : { headers, body: JSON.stringify(o.body) };
}

/** A daemon on a fake driver, called in-process; `options` go to `Daemon.create` (a `managerClock`, `lingerMs`). */
export async function fakeDaemon(
  driver = fakeDriver(),
  options: Partial<DaemonOptions> = {},
): Promise<FakeDaemon> {
  const daemon = await Daemon.create({ driver, statisticsIntervalMs: 0, ...options });
  const app = createApp(daemon, { token: FAKE_TOKEN });
  return {
    driver,
    daemon,
    app,
    url: "",
    token: FAKE_TOKEN,
    req(method, path, o = {}) {
      return Promise.resolve(app.request(path, { method, ...init(o) }));
    },
    close: () => daemon.close(),
  };
}

/** A daemon on a fake driver, served on a loopback socket (port 0) as `serve()` would. */
export async function serveFake(
  driver = fakeDriver(),
  options: Partial<DaemonOptions> = {},
): Promise<FakeDaemon> {
  const daemon = await Daemon.create({ driver, statisticsIntervalMs: 0, ...options });
  const ref: { app?: DaemonApp } = {};
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (addr) => listening.resolve(addr) },
    (request, info) => ref.app!.fetch(request, { remoteAddr: info.remoteAddr }),
  );
  const { port } = await listening.promise;
  const app = ref.app = createApp(daemon, {
    token: FAKE_TOKEN,
    allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    driver,
    daemon,
    app,
    url,
    token: FAKE_TOKEN,
    req(method, path, o = {}) {
      return fetch(url + path, { method, ...init(o) });
    },
    async close() {
      await daemon.close();
      await server.shutdown();
    },
  };
}

/** Polls `condition` (real time) until it holds; throws naming `what` after `ms`. */
export async function waitFor(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
