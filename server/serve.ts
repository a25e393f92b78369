/**
 * {@linkcode serve}: runs the daemon on `Deno.serve` — driver choice, token
 * file, loopback binding, real-time simulated world, graceful shutdown on
 * SIGTERM/SIGINT. Also a command line: `deno run -A server/serve.ts --help`.
 *
 * @module
 */

import type { Clock, NetworkDriver } from "@netsession/core";
import { parseScenario, ScenarioError, SimDriver, type SimWorld } from "@netsession/sim";
import { createApp, type DaemonApp } from "./app.ts";
import { Daemon } from "./daemon.ts";
import type { WorldScenario } from "./sim_control.ts";
import { createDefaultWorld, makeLively } from "./default_world.ts";
import { DEFAULT_PORT, defaultSocketPath, defaultTokenFile } from "./paths.ts";
import { parseServeArgs, SERVE_USAGE as USAGE } from "./serve_args.ts";
import type { GuardLimits } from "./_conn_guard.ts";
import { randomToken } from "./_ids.ts";
import { groupId, type GuardedServer, guardedServer, listenSocket } from "./_listen.ts";

export {
  DEFAULT_PORT,
  defaultSocketPath,
  defaultTokenFile,
  findDaemonSocket,
  SYSTEM_SOCKET,
} from "./paths.ts";
export { parseServeArgs, SERVE_USAGE } from "./serve_args.ts";

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
  /** Port of the dashboard and the HTTP API on loopback (default 7421; 0 picks a free one; null: no TCP). */
  readonly port?: number | null;
  /**
   * The Unix socket (default: as root `/run/netsession/daemon.sock`, else
   * `$XDG_RUNTIME_DIR/netsession/daemon.sock`; null: none). Mode 0660: who may connect is decided by the
   * filesystem, and needs no token.
   */
  readonly socket?: string | null;
  /** The socket's group (a name or a gid): its members may connect. */
  readonly socketGroup?: string;
  /** Header, body and idle time-outs and the other connection limits (the defaults suit a real daemon). */
  readonly limits?: GuardLimits;
  /** Event streams served at once, all clients together (default 4096); `--max-streams`. */
  readonly maxStreams?: number;
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
  /** Base URL over TCP, for example `http://127.0.0.1:7421` (without TCP: `unix:` and the socket's path). */
  readonly url: string;
  /** The TCP port listened on (0 without TCP). */
  readonly port: number;
  /** The Unix socket's path, if the daemon listens on one. */
  readonly socket: string | undefined;
  /** The first one-time sign-in link of the dashboard (undefined without TCP). */
  readonly signInUrl: string | undefined;
  /** The connections being relayed now, by listener (the time-outs end idle ones). */
  connections(): { tcp: number; socket: number };
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
  const token = randomToken(32);
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
  const port = options.port === undefined ? DEFAULT_PORT : options.port;
  if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) {
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
  const scenario = options.scenario === undefined
    ? undefined
    : await checkScenario(options.scenario, setup.world, kind).catch(async (error) => {
      try {
        await setup.driver.close?.();
      } catch { /* not started */ }
      throw error;
    });
  const daemon = await Daemon.create({
    driver: setup.driver,
    world: setup.world,
    managerClock: setup.clock,
    leaseTtlMs: options.leaseTtlMs,
    leaseClock: options.leaseClock,
    lingerMs: options.lingerMs,
    maxStreams: options.maxStreams,
  });
  let stopLively: (() => void) | undefined;
  if (setup.world) {
    if (options.lively ?? true) stopLively = makeLively(setup.world, { seed: options.seed ?? 1 });
    if (options.realtime ?? true) daemon.startRealtime(100);
  }

  const ref: { app?: DaemonApp } = {};
  const onError = (error: unknown) => {
    console.error("netsession daemon: request failed:", error);
    return new Response(JSON.stringify({ error: { code: "internal", message: "the daemon failed" } }), {
      status: 500,
      headers: { "Content-Type": "application/json" },
    });
  };
  const socketPath = options.socket === undefined ? defaultSocketPath() : options.socket;
  const keepAlive = options.keepAliveMs ?? 15000;
  const limits: GuardLimits = { idleTimeoutMs: Math.max(60_000, 3 * keepAlive), ...options.limits };
  let tcp: Deno.TcpListener | undefined;
  let unix: Deno.UnixListener | undefined;
  const privateDir = await Deno.makeTempDir({ prefix: "netsession-daemon-" });
  const servers: GuardedServer[] = [];
  try {
    if (port !== null) {
      try {
        tcp = Deno.listen({ hostname: host, port });
      } catch (error) {
        throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
      }
    }
    if (socketPath !== null) {
      const gid = options.socketGroup === undefined ? undefined : await groupId(options.socketGroup);
      unix = await listenSocket(socketPath, gid);
    }
    if (!tcp && !unix) throw new Error("nothing to listen on: give a port or a socket");
    const addr = tcp?.addr;
    const shown = addr ? (addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname) : "";
    const tcpUrl = addr ? `http://${shown}:${addr.port}` : undefined;
    ref.app = createApp(daemon, {
      token,
      allowedHosts: hostHeaders(host, addr?.port ?? 80),
      keepAliveMs: keepAlive,
      ...(tcpUrl === undefined ? {} : { dashboardUrl: tcpUrl }),
    });
    const app = ref.app;
    if (tcp) {
      servers.push(
        await guardedServer(
          tcp,
          privateDir,
          "tcp",
          (r) => app.fetch(r, { transport: "tcp" }),
          onError,
          limits,
        ),
      );
    }
    if (unix) {
      servers.push(
        await guardedServer(
          unix,
          privateDir,
          "unix",
          (r) => app.fetch(r, { transport: "unix" }),
          onError,
          limits,
        ),
      );
    }
  } catch (error) {
    for (const s of servers) await s.close().catch(() => {});
    for (const l of [tcp, unix]) {
      try {
        l?.close();
      } catch { /* closed */ }
    }
    if (unix && socketPath) await Deno.remove(socketPath).catch(() => {});
    await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    stopLively?.();
    await daemon.close("the daemon could not listen");
    throw error;
  }
  const app = ref.app;
  const addrPort = tcp?.addr.port ?? 0;
  const url = tcp
    ? `http://${tcp.addr.hostname.includes(":") ? `[${tcp.addr.hostname}]` : tcp.addr.hostname}:${addrPort}`
    : `unix:${socketPath}`;
  const signInUrl = tcp ? app.signInLink() : undefined;
  const closeServers = async () => {
    for (const s of servers) {
      const down = s.server.shutdown();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([down, new Promise((r) => timer = setTimeout(r, 1000))]);
      clearTimeout(timer);
      await s.guard.close();
      await down;
    }
    if (unix && socketPath) await Deno.remove(socketPath).catch(() => {});
    await Deno.remove(privateDir, { recursive: true }).catch(() => {});
  };

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
      await closeServers();
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

  log(
    `netsession daemon (${kind} driver) listening on ${
      [tcp ? url : "", unix ? socketPath : ""].filter((x) => x).join(" and ")
    }`,
  );
  if (unix) {
    log(
      `  socket:     ${socketPath} (mode 0660${
        options.socketGroup ? `, group ${options.socketGroup}` : ""
      }; no token needed)`,
    );
  }
  if (tcp) {
    log(`  dashboard:  ${url}/ (read-only until signed in)`);
    log(`  sign in:    ${signInUrl} (one-time link: opens the dashboard with changes allowed)`);
  }
  log(`  token file: ${tokenFile} (for programs over TCP)`);

  if (scenario && options.scenario) {
    daemon.playScenario(scenario).then(
      () => log(`netsession: scenario ${options.scenario} finished`),
      (error) => log(`netsession: scenario ${options.scenario} failed: ${(error as Error).message}`),
    );
  }

  return {
    url,
    port: addrPort,
    hostname: tcp?.addr.hostname ?? "",
    socket: unix ? socketPath ?? undefined : undefined,
    signInUrl,
    connections: () => ({
      tcp: tcp ? servers[0].guard.connections : 0,
      socket: unix ? servers[servers.length - 1].guard.connections : 0,
    }),
    tokenFile,
    token,
    daemon,
    app,
    shutdown,
    finished: finished.promise,
  };
}

/**
 * `--scenario FILE`, checked before the daemon listens: readable, valid against the daemon's world, and of
 * what the daemon plays (world changes on its own world). Else an error naming `--scenario` and the file,
 * with `cause: "usage"` (exit 2).
 */
async function checkScenario(
  file: string,
  world: SimWorld | undefined,
  kind: string,
): Promise<WorldScenario> {
  const refuse = (why: string) => new Error(`--scenario ${file}: ${why}`, { cause: "usage" });
  if (!world) throw refuse(`the ${kind} driver has no simulated world to play it on; use --driver sim`);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw refuse(`cannot read it (${(error as Error).message})`);
  }
  const configurations = world.configurations();
  let parsed;
  let ownWorld = false;
  try {
    ownWorld = (JSON.parse(text) as { world?: unknown })?.world !== undefined;
  } catch { /* parseScenario says where */ }
  try {
    parsed = ownWorld ? parseScenario(text) : parseScenario(text, {
      accessPoints: configurations.filter((c) => c.type === "internet-access-point").map((c) => c.identifier),
      configurations: configurations.map((c) => c.identifier),
    });
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    throw refuse(`invalid scenario:\n  ${error.message.split("\n").join("\n  ")}`);
  }
  const raw = parsed.scenario as unknown as Record<string, unknown> & { steps: Record<string, unknown>[] };
  const other = raw.steps.findIndex((s) => typeof s.action !== "string");
  const own = ["world", "sessions", "processes"].filter((k) => k in raw);
  if (other >= 0 || own.length) {
    throw refuse(
      `the daemon plays world changes only (steps with "action", on the daemon's own world: ${
        configurations.map((c) => c.identifier).join(", ")
      }); this scenario has ${
        [...own.map((k) => `"${k}"`), ...(other >= 0 ? [`steps[${other}] without "action"`] : [])].join(", ")
      }. Play it with 'netsession sim run ${file}'`,
    );
  }
  return raw as unknown as WorldScenario;
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
    Deno.exit((error as Error).cause === "usage" ? 2 : 1);
  }
}
