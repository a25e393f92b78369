// Shared setup of the daemon tests: a small simulated world, a daemon on it with a virtual lease clock,
// and its app called in-process; or a daemon on a real loopback socket (startDaemon) whose virtual clock the
// test runs (drive, until).
import { SimDriver, SimWorld, VirtualClock } from "../../drivers/sim/mod.ts";
import {
  createApp,
  Daemon,
  type DaemonOptions,
  type DaemonServer,
  serve,
  type ServeOptions,
} from "../../server/mod.ts";

export const TOKEN = "test-token-0123456789";

export interface Harness {
  world: SimWorld;
  daemon: Daemon;
  app: ReturnType<typeof createApp>;
  leaseClock: VirtualClock;
  req(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Runs the virtual clock until `promise` settles (bounded), then returns it. */
  settle<T>(promise: Promise<T>, stepMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  client?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

export function makeWorld(): SimWorld {
  const world = new SimWorld({ seed: 3 });
  world.addAccessPoint({ id: "wlan", name: "WLAN", bearer: "wlan", signal: 80, activationMs: 100 });
  world.addAccessPoint({
    id: "lte",
    name: "LTE",
    bearer: "lte",
    signal: 60,
    metered: true,
    activationMs: 200,
  });
  world.addAccessPoint({ id: "far", name: "Far", bearer: "wlan", signal: 0 });
  world.addServiceNetwork({ id: "internet", members: ["wlan", "lte"], seamless: true });
  return world;
}

export async function setup(options: Partial<DaemonOptions> = {}): Promise<Harness> {
  const world = makeWorld();
  const leaseClock = new VirtualClock();
  const daemon = await Daemon.create({
    driver: new SimDriver(world),
    world,
    managerClock: world.clock,
    leaseClock,
    statisticsIntervalMs: 0,
    ...options,
  });
  const app = createApp(daemon, { token: TOKEN });
  const keys = new Map<string, string>();
  const req = async (method: string, path: string, o: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? TOKEN : o.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (o.client !== undefined) headers["X-Netsession-Client"] = o.client;
    let body: BodyInit | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
      headers["Content-Type"] ??= "application/json";
    }
    // A well-behaved client: it keeps the key the daemon issued with each client id and sends it back.
    const named = o.client ??
      (typeof o.body === "object" && o.body !== null ? (o.body as { client?: unknown }).client : undefined) ??
      new URL(path, "http://x").searchParams.get("client") ??
      /^\/v1\/clients\/([^/]+)/.exec(path)?.[1];
    if (typeof named === "string" && keys.has(named) && !("X-Netsession-Client-Key" in headers)) {
      headers["X-Netsession-Client-Key"] = keys.get(named)!;
    }
    const res = await app.request(path, { method, headers, body });
    const key = res.headers.get("X-Netsession-Client-Key");
    if (key !== null && typeof named === "string") keys.set(decodeURIComponent(named), key);
    return res;
  };
  const settle = async <T>(promise: Promise<T>, stepMs = 50): Promise<T> => {
    let done = false;
    promise.then(() => done = true, () => done = true);
    for (let i = 0; i < 400 && !done; i++) await daemon.advance(stepMs);
    if (!done) throw new Error("the request did not settle within 20 s of virtual time");
    return promise;
  };
  return {
    world,
    daemon,
    app,
    leaseClock,
    req,
    settle,
    close: () => daemon.close(),
  };
}

/** Reads an error body and returns its `error` object. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  const json = await res.json();
  if (!json.error) throw new Error(`expected an error body, got ${JSON.stringify(json)}`);
  return json.error;
}

/** A daemon on its Unix socket (in a private directory) and a loopback port (0), with a private token file. */
export interface TestDaemon {
  server: DaemonServer;
  /** Shuts the daemon down (running its virtual clock meanwhile) and removes its token file. */
  stop(): Promise<void>;
}

/** Starts a quiet daemon on `options.world`; its virtual clock runs only when a test drives it (unless `realtime`). */
export async function startDaemon(options: ServeOptions & { world: SimWorld }): Promise<TestDaemon> {
  const dir = await Deno.makeTempDir({ prefix: "netsession-test-" });
  const server = await serve({
    port: 0,
    socket: `${dir}/daemon.sock`,
    tokenFile: `${dir}/token`,
    realtime: false,
    lively: false,
    log: () => {},
    ...options,
  });
  const daemon: TestDaemon = {
    server,
    async stop() {
      const down = server.shutdown();
      await (options.realtime ? down : drive(down, [daemon]));
      await Deno.remove(dir, { recursive: true });
    },
  };
  return daemon;
}

/** One step: the daemons' virtual clocks run 10 ms, then the sockets get a real turn. */
async function step(daemons: readonly TestDaemon[]): Promise<void> {
  for (const d of daemons) await d.server.daemon.advance(10);
  await new Promise((r) => setTimeout(r, 1));
}

/** Awaits `p` while the daemons' virtual clocks run; throws when it has not settled after `limit` steps. */
export async function drive<T>(p: Promise<T>, daemons: readonly TestDaemon[], limit = 2000): Promise<T> {
  let done = false;
  p.then(() => done = true, () => done = true);
  for (let i = 0; i < limit && !done; i++) await step(daemons);
  if (!done) throw new Error(`the operation did not finish within ${limit} steps of 10 ms virtual time`);
  return await p;
}

/** Polls `condition` while the daemons' virtual clocks run; throws naming `what` after `limit` steps. */
export async function until(
  condition: () => boolean,
  what: string,
  daemons: readonly TestDaemon[] = [],
  limit = 3000,
): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (condition()) return;
    await step(daemons);
  }
  throw new Error(`timed out waiting for ${what}`);
}
