/**
 * {@linkcode serve}: runs the daemon on `Deno.serve` — driver choice, token
 * file, loopback binding, real-time simulated world, graceful shutdown on
 * SIGTERM/SIGINT. Also a command line: `deno run -A server/serve.ts --help`.
 *
 * @module
 */

import type { Clock, NetworkDriver } from "@netsession/core";
import { SimDriver, type SimWorld } from "@netsession/sim";
import { createApp, type DaemonApp } from "./app.ts";
import { Daemon } from "./daemon.ts";
import { createDefaultWorld, makeLively } from "./default_world.ts";

/** The longest time-out a timer takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The port `serve()` listens on unless told otherwise. */
export const DEFAULT_PORT = 7421;

/**
 * Drivers the daemon can own.
 *
 * @example
 * ```ts
 * import type { DriverKind } from "@netsession/server";
 * const kind: DriverKind = "sim";
 * ```
 */
export type DriverKind = "sim" | "linux";

/**
 * Options of {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "@netsession/server";
 * const o: ServeOptions = { driver: "sim", port: 0, tokenFile: "/tmp/netsession-test/token" };
 * ```
 */
export interface ServeOptions {
  /** The driver (default `"sim"`). */
  readonly driver?: DriverKind;
  /** Sim: path of a JSON scenario to play after start (needs the simulator's scenario player). */
  readonly scenario?: string;
  /** Address to listen on (default `127.0.0.1`); anything not loopback needs `allowRemote`. */
  readonly host?: string;
  /** Port (default 7421; 0 picks a free one). */
  readonly port?: number;
  /** Token file (default `$XDG_RUNTIME_DIR/netsession/token`, else `~/.netsession/token`). */
  readonly tokenFile?: string;
  /** Allow listening on a non-loopback address (prints a warning). */
  readonly allowRemote?: boolean;
  /** Sim: seed of the world and of its liveliness (default 1). */
  readonly seed?: number;
  /** Sim: advance the virtual clock in real time (default true). */
  readonly realtime?: boolean;
  /** Sim: let signals drift and traffic flow by themselves (default true). */
  readonly lively?: boolean;
  /** Sim: a world to use instead of the default one. */
  readonly world?: SimWorld;
  /** Lease TTL of clients without an event stream, ms (default 10000). */
  readonly leaseTtlMs?: number;
  /** How long a link stays up after its last holder closed, ms (default 0: it goes down at once); `--linger`. */
  readonly lingerMs?: number;
  /** Clock of the leases (tests). */
  readonly leaseClock?: Clock;
  /** Milliseconds between keep-alive comments on idle event streams (default 15000); a client that went away is noticed at the next one. */
  readonly keepAliveMs?: number;
  /** Handle SIGTERM/SIGINT: shut down and exit 0 (default false; the command line sets it). */
  readonly handleSignals?: boolean;
  /** Where status lines go (default `console.log`). */
  readonly log?: (line: string) => void;
  /** Aborting it shuts the daemon down. */
  readonly signal?: AbortSignal;
}

/**
 * A running daemon, from {@linkcode serve}.
 *
 * @example
 * ```ts ignore
 * import { serve } from "@netsession/server";
 * const server = await serve({ port: 0, tokenFile: "/tmp/ns/token" });
 * console.log(server.url);
 * await server.shutdown();
 * ```
 */
export interface DaemonServer {
  /** Base URL, for example `http://127.0.0.1:7421`. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The address listened on. */
  readonly hostname: string;
  /** Path of the token file. */
  readonly tokenFile: string;
  /** The bearer token. */
  readonly token: string;
  /** The daemon. */
  readonly daemon: Daemon;
  /** The HTTP app. */
  readonly app: DaemonApp;
  /** Shuts down gracefully: `shutdown` event, sessions closed, streams ended, socket closed. */
  shutdown(reason?: string): Promise<void>;
  /** Settles when the daemon has shut down. */
  readonly finished: Promise<void>;
}

/**
 * What a driver factory returns: the driver and, for the simulator, its world.
 *
 * @example
 * ```ts
 * import type { DriverSetup } from "@netsession/server";
 * const describe = (s: DriverSetup) => `${s.driver.name}${s.world ? " (simulated)" : ""}`;
 * ```
 */
export interface DriverSetup {
  /** The driver the daemon will own. */
  readonly driver: NetworkDriver;
  /** The simulated world, for the simulator. */
  readonly world?: SimWorld;
  /** Clock of the manager (the world's virtual clock for the simulator). */
  readonly clock?: Clock;
}

/**
 * Makes the driver of a {@linkcode DriverKind}. Adding a driver is one entry here.
 *
 * @example
 * ```ts
 * import { createDriver } from "@netsession/server";
 * const { driver, world } = await createDriver("sim", { seed: 2 });
 * console.log(driver.name, world !== undefined); // "sim" true
 * ```
 */
export async function createDriver(kind: DriverKind, options: ServeOptions = {}): Promise<DriverSetup> {
  switch (kind) {
    case "sim": {
      const world = options.world ?? createDefaultWorld(options.seed ?? 1);
      return { driver: new SimDriver(world), world, clock: world.clock };
    }
    case "linux": {
      // Resolved at run time so that the daemon does not depend on D-Bus unless asked to.
      const specifier = "@netsession/linux";
      let mod: { NetworkManagerDriver?: new () => NetworkDriver };
      try {
        mod = await import(specifier);
      } catch (error) {
        throw new Error(
          `the linux driver (@netsession/linux) could not be loaded: ${
            (error as Error).message
          }; use --driver sim`,
        );
      }
      if (typeof mod.NetworkManagerDriver !== "function") {
        throw new Error("@netsession/linux does not export NetworkManagerDriver; use --driver sim");
      }
      return { driver: new mod.NetworkManagerDriver() };
    }
    default:
      throw new RangeError(`unknown driver '${kind}': use "sim" or "linux"`);
  }
}

/**
 * The default token file: `$XDG_RUNTIME_DIR/netsession/token` when that is
 * set, else `~/.netsession/token`.
 *
 * @example
 * ```ts
 * import { defaultTokenFile } from "@netsession/server";
 * console.log(defaultTokenFile().endsWith("token")); // true
 * ```
 */
export function defaultTokenFile(): string {
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  if (runtime) return `${runtime}/netsession/token`;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  return `${home}/.netsession/token`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/**
 * Reads the token from `path`, or creates it (32 random bytes, base64url) with
 * mode 0600 in a directory of mode 0700. A token file readable by others is
 * narrowed to 0600.
 *
 * @example
 * ```ts ignore
 * import { ensureToken } from "@netsession/server";
 * const token = await ensureToken("/tmp/netsession-example/token");
 * ```
 */
export async function ensureToken(path: string, log: (line: string) => void = console.log): Promise<string> {
  try {
    const stat = await Deno.stat(path);
    if (stat.mode !== null && (stat.mode & 0o077) !== 0) {
      await Deno.chmod(path, 0o600);
      log(`netsession: warning: ${path} was readable by others; narrowed it to mode 0600`);
    }
    const token = (await Deno.readTextFile(path)).trim();
    if (/^[A-Za-z0-9_-]{16,}$/.test(token)) return token;
    log(`netsession: ${path} does not hold a valid token; writing a new one`);
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
  try {
    await Deno.writeTextFile(path, token + "\n", { createNew: true, mode: 0o600 });
    await Deno.chmod(path, 0o600); // the mode given to writeTextFile is filtered by the umask
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(path)).trim();
    throw error;
  }
  return token;
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
}

function hostHeaders(host: string, port: number): string[] {
  const names = new Set(["127.0.0.1", "localhost", "[::1]"]);
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "0.0.0.0" || bare === "::") {
    for (const i of Deno.networkInterfaces()) names.add(i.family === "IPv6" ? `[${i.address}]` : i.address);
    try {
      names.add(Deno.hostname());
    } catch {
      // no hostname permission
    }
  } else {
    names.add(bare.includes(":") ? `[${bare}]` : bare);
  }
  const out: string[] = [];
  for (const n of names) {
    out.push(`${n}:${port}`.toLowerCase());
    if (port === 80) out.push(n.toLowerCase());
  }
  return out;
}

/**
 * Starts the daemon: driver, manager, HTTP server, token file. Prints the
 * dashboard URL and the token file path. Resolves once listening.
 *
 * @example
 * ```ts ignore
 * import { serve } from "@netsession/server";
 * const server = await serve({ driver: "sim", port: 0, tokenFile: "/tmp/netsession-example/token" });
 * const res = await fetch(`${server.url}/v1/configurations`);
 * console.log((await res.json()).configurations.length);
 * await server.shutdown();
 * ```
 */
export async function serve(options: ServeOptions = {}): Promise<DaemonServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  if (!isLoopbackHost(host)) {
    if (!options.allowRemote) {
      throw new Error(
        `refusing to listen on ${host}: it is not a loopback address; pass allowRemote (--allow-remote) if you mean it`,
      );
    }
    log(
      `netsession: WARNING: listening on ${host}, reachable from other machines. Anyone with the token can change the network; the dashboard is read-only for them.`,
    );
  }
  const tokenFile = options.tokenFile ?? defaultTokenFile();
  const token = await ensureToken(tokenFile, log);
  const kind = options.driver ?? "sim";
  const setup = await createDriver(kind, options);
  const daemon = await Daemon.create({
    driver: setup.driver,
    world: setup.world,
    managerClock: setup.clock,
    leaseTtlMs: options.leaseTtlMs,
    leaseClock: options.leaseClock,
    lingerMs: options.lingerMs,
  });
  let stopLively: (() => void) | undefined;
  if (setup.world) {
    if (options.lively ?? true) stopLively = makeLively(setup.world, { seed: options.seed ?? 1 });
    if (options.realtime ?? true) daemon.startRealtime(100);
  }

  const ref: { app?: DaemonApp } = {};
  const listening = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: host,
      port,
      onListen: (addr) => listening.resolve(addr),
      onError: (error) => {
        console.error("netsession daemon: request failed:", error);
        return new Response(JSON.stringify({ error: { code: "internal", message: "the daemon failed" } }), {
          status: 500,
          headers: { "Content-Type": "application/json" },
        });
      },
    }, (request, info) => ref.app!.fetch(request, { remoteAddr: info.remoteAddr }));
  } catch (error) {
    stopLively?.();
    await daemon.close("the daemon could not listen");
    throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  const addr = await listening.promise;
  const app = ref.app = createApp(daemon, {
    token,
    allowedHosts: hostHeaders(host, addr.port),
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
  });
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${shown}:${addr.port}`;

  const finished = Promise.withResolvers<void>();
  let shutting: Promise<void> | undefined;
  const onSignal = () => {
    log("netsession: shutting down (signal)");
    shutdown("the daemon received a termination signal").then(() => Deno.exit(0), () => Deno.exit(1));
  };
  const shutdown = (reason = "the daemon is shutting down"): Promise<void> => {
    shutting ??= (async () => {
      if (options.handleSignals) {
        Deno.removeSignalListener("SIGTERM", onSignal);
        Deno.removeSignalListener("SIGINT", onSignal);
      }
      stopLively?.();
      await daemon.close(reason);
      await server.shutdown();
      log("netsession: stopped");
      finished.resolve();
    })();
    return shutting;
  };
  if (options.handleSignals) {
    Deno.addSignalListener("SIGTERM", onSignal);
    Deno.addSignalListener("SIGINT", onSignal);
  }
  options.signal?.addEventListener("abort", () => shutdown(), { once: true });

  log(`netsession daemon (${kind} driver) listening on ${url}`);
  log(`  dashboard:  ${url}/`);
  log(`  token file: ${tokenFile}`);

  if (options.scenario && setup.world) {
    const world = setup.world as unknown as { play?: (scenario: unknown) => Promise<void> };
    const scenario = JSON.parse(await Deno.readTextFile(options.scenario));
    if (typeof world.play !== "function") {
      log(`netsession: note: this simulator has no scenario player yet; ${options.scenario} is not played`);
    } else {
      daemon.playScenario(scenario).then(
        () => log(`netsession: scenario ${options.scenario} finished`),
        (error) => log(`netsession: scenario ${options.scenario} failed: ${(error as Error).message}`),
      );
    }
  }

  return {
    url,
    port: addr.port,
    hostname: addr.hostname,
    tokenFile,
    token,
    daemon,
    app,
    shutdown,
    finished: finished.promise,
  };
}

const USAGE = `usage: serve.ts [options]
  --driver sim|linux     driver (default sim)
  --host ADDRESS         listen address (default 127.0.0.1)
  --port N               port (default ${DEFAULT_PORT}; 0 = any free port)
  --token-file PATH      token file (default ${"$"}XDG_RUNTIME_DIR/netsession/token or ~/.netsession/token)
  --allow-remote         allow a non-loopback --host
  --scenario FILE        sim: play a JSON scenario
  --seed N               sim: seed (default 1)
  --no-lively            sim: no spontaneous signal changes or traffic
  --lease-ttl MS         lease TTL of clients without an event stream (default 10000)
  --linger MS            keep a link up MS after its last session closed, so that a quick re-open
                         takes it back without a reconnect (default 0: down at once)`;

/**
 * Parses command-line arguments into {@linkcode ServeOptions} (for
 * `netsession serve` and `deno run -A server/serve.ts`). Throws on unknown
 * options with the usage text.
 *
 * @example
 * ```ts
 * import { parseServeArgs } from "@netsession/server";
 * console.log(parseServeArgs(["--port", "0", "--no-lively"])); // { port: 0, lively: false }
 * ```
 */
export function parseServeArgs(args: readonly string[]): ServeOptions {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = () => {
      const v = value ?? args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const int = (name: string) => {
      const v = take();
      if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got '${v}'\n${USAGE}`);
      return Number(v);
    };
    switch (arg) {
      case "--driver": {
        const v = take();
        if (v !== "sim" && v !== "linux") {
          throw new Error(`--driver must be sim or linux, got '${v}'\n${USAGE}`);
        }
        out.driver = v;
        break;
      }
      case "--host":
        out.host = take();
        break;
      case "--port":
        out.port = int("--port");
        break;
      case "--token-file":
        out.tokenFile = take();
        break;
      case "--allow-remote":
        out.allowRemote = true;
        break;
      case "--scenario":
        out.scenario = take();
        break;
      case "--seed":
        out.seed = int("--seed");
        break;
      case "--no-lively":
        out.lively = false;
        break;
      case "--lease-ttl":
        out.leaseTtlMs = int("--lease-ttl");
        break;
      case "--linger": {
        const ms = int("--linger");
        if (ms > MAX_TIMER_MS) {
          throw new Error(`--linger must be at most ${MAX_TIMER_MS} ms, got ${ms}\n${USAGE}`);
        }
        out.lingerMs = ms;
        break;
      }
      default:
        throw new Error(`unknown option '${arg}'\n${USAGE}`);
    }
  }
  return out as ServeOptions;
}

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  let options: ServeOptions;
  try {
    options = parseServeArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  try {
    await serve({ ...options, handleSignals: true });
  } catch (error) {
    console.error(`netsession: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
