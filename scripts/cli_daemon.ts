/**
 * How a `netsession` command reaches the world it shows: the running daemon by
 * default (its Unix socket as `RemoteDriver` finds it, then TCP at
 * `$NETSESSION_URL` or `http://127.0.0.1:7421` with the token file), else the
 * demo simulated world, and it says which (`daemon at …` or `demo world (…)`).
 * `--socket PATH`, `--url URL [--token-file F]` and `--daemon` insist on a
 * daemon (exit 3 when it cannot be reached); `--demo` insists on the demo world.
 *
 * @module
 */
import { NetworkConfigurationManager } from "../core/mod.ts";
import { SimDriver, type SimWorld } from "../drivers/sim/mod.ts";
import { createDemoWorld } from "./demo_world.ts";
import { CliError, EXIT } from "./cli_common.ts";

/** The options that choose the world. */
export const ACCESS_OPTIONS = {
  url: { type: "string" },
  "token-file": { type: "string" },
  socket: { type: "string" },
  daemon: { type: "boolean" },
  demo: { type: "boolean" },
} as const;

/** The help text of {@linkcode ACCESS_OPTIONS}. */
export const ACCESS_HELP = `where: the running daemon by default (its Unix socket, then http://127.0.0.1:7421
  with the token file), else the demo world; --daemon (only the local daemon), --socket PATH,
  --url URL [--token-file F] (TCP), --demo (the demo world)`;

/** How a command reaches a daemon, as given on its command line. */
export interface Access {
  url?: string;
  socket?: string;
  daemon?: boolean;
  demo?: boolean;
  "token-file"?: string;
}

/** A daemon found: where, and how to talk HTTP to it. */
export interface DaemonTarget {
  /** For messages: `unix:PATH` or the URL. */
  readonly where: string;
  readonly socket?: string;
  readonly url?: string;
  readonly token?: string;
}

/** The world a command shows. */
export interface World {
  /** `daemon at …` or `demo world (…)`. */
  readonly label: string;
  readonly manager: NetworkConfigurationManager;
  /** The daemon, if the world is one. */
  readonly daemon?: DaemonTarget;
  /** The demo world, if that is it. */
  readonly demo?: SimWorld;
}

/** The label of the demo world. */
export const DEMO_LABEL = "demo world (no daemon running; start one with netsession serve)";

async function readToken(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (error) {
    throw new CliError(
      `cannot read the daemon's token file ${path} (${(error as Error).message}); pass --token-file`,
      EXIT.usage,
    );
  }
}

async function managerAt(t: DaemonTarget): Promise<NetworkConfigurationManager> {
  const { RemoteDriver } = await import("../server/mod.ts");
  const driver = t.socket !== undefined
    ? new RemoteDriver({ socket: t.socket })
    : new RemoteDriver({ url: t.url!, token: t.token! });
  try {
    return await NetworkConfigurationManager.create(driver);
  } catch (error) {
    throw new CliError(
      `cannot reach the daemon at ${t.where} (${
        (error as Error).message
      }); start one with 'netsession serve'`,
      EXIT.unreachable,
    );
  }
}

/** The daemon the command line names, or (by default) the first running one; undefined: none runs. */
export async function findDaemon(a: Access): Promise<DaemonTarget | undefined> {
  const { findDaemonSocket, defaultTokenFile, DEFAULT_PORT } = await import("../server/mod.ts");
  if (a.url !== undefined && a.socket !== undefined) throw new CliError("give --url or --socket, not both");
  if (a.url !== undefined) {
    try {
      new URL(a.url);
    } catch {
      throw new CliError(`--url ${a.url}: expected a URL such as http://127.0.0.1:${DEFAULT_PORT}`);
    }
    return { where: a.url, url: a.url, token: await readToken(a["token-file"] ?? defaultTokenFile()) };
  }
  if (a.socket !== undefined) return { where: `unix:${a.socket}`, socket: a.socket };
  const socket = findDaemonSocket();
  if (a.daemon) return { where: `unix:${socket}`, socket };
  if (await answers({ where: socket, socket })) return { where: `unix:${socket}`, socket };
  const url = Deno.env.get("NETSESSION_URL") ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  let token: string;
  try {
    token = (await Deno.readTextFile(a["token-file"] ?? defaultTokenFile())).trim();
  } catch {
    return undefined; // no token: not this user's daemon
  }
  const t = { where: url, url, token };
  return await answers(t) ? t : undefined;
}

/** Whether a daemon answers `GET /v1/status` there (within 2 s). */
async function answers(t: DaemonTarget): Promise<boolean> {
  try {
    const res = await daemonFetch(t, "GET", "/v1/status", undefined, AbortSignal.timeout(2000));
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** One request to the daemon (over its socket, or TCP with the token). */
export async function daemonFetch(
  t: DaemonTarget,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
  body?: unknown,
): Promise<Response> {
  const client = t.socket !== undefined
    ? Deno.createHttpClient({ proxy: { transport: "unix", path: t.socket } })
    : undefined;
  const base = t.socket !== undefined ? "http://localhost" : t.url!.replace(/\/$/, "");
  const h: Record<string, string> = { ...headers };
  if (t.token !== undefined) h.Authorization = `Bearer ${t.token}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  try {
    const res = await fetch(base + path, {
      method,
      headers: h,
      signal,
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(client ? { client } : {}),
    } as RequestInit);
    if (client) {
      const text = await res.arrayBuffer().finally(() => client.close());
      return new Response(res.status === 204 ? null : text, { status: res.status, headers: res.headers });
    }
    return res;
  } catch (error) {
    client?.close();
    if ((error as Error).name === "TimeoutError" || (error as Error).name === "AbortError") throw error;
    throw new CliError(
      `cannot reach the daemon at ${t.where} (${
        (error as Error).message
      }); start one with 'netsession serve'`,
      EXIT.unreachable,
    );
  }
}

/** The daemon's event stream (`GET /v1/events`), read until `signal` aborts; `close` releases it. */
export async function daemonStream(
  t: DaemonTarget,
  signal: AbortSignal,
): Promise<{ res: Response; close: () => void }> {
  const client = t.socket !== undefined
    ? Deno.createHttpClient({ proxy: { transport: "unix", path: t.socket } })
    : undefined;
  const base = t.socket !== undefined ? "http://localhost" : t.url!.replace(/\/$/, "");
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  if (t.token !== undefined) headers.Authorization = `Bearer ${t.token}`;
  const close = () => {
    try {
      client?.close();
    } catch { /* closed */ }
  };
  try {
    const res = await fetch(
      `${base}/v1/events`,
      { headers, signal, ...(client ? { client } : {}) } as RequestInit,
    );
    return { res, close };
  } catch (error) {
    close();
    throw new CliError(
      `cannot open the daemon's event stream at ${t.where} (${(error as Error).message})`,
      EXIT.unreachable,
    );
  }
}

/** The world the command line asks for: a daemon's (named or found) or the demo world. */
export async function openWorld(a: Access, seed = 1): Promise<World> {
  if (a.demo && (a.url !== undefined || a.socket !== undefined || a.daemon)) {
    throw new CliError("--demo excludes --url, --socket and --daemon");
  }
  const daemon = a.demo ? undefined : await findDaemon(a);
  if (daemon) return { label: `daemon at ${daemon.where}`, manager: await managerAt(daemon), daemon };
  const demo = createDemoWorld(seed);
  const manager = await NetworkConfigurationManager.create(new SimDriver(demo), { clock: demo.clock });
  return { label: a.demo ? "demo world (--demo)" : DEMO_LABEL, manager, demo };
}
