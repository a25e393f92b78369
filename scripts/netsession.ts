/**
 * The `netsession` command line.
 *
 *   netsession serve [--driver sim|linux] [--port N] [...]   (the daemon; see server/README.md)
 *   netsession list [--json] [--state defined|discovered|active] [--url URL [--token-file F]]
 *       (a REACHABILITY column: `+portal` behind a captive portal)
 *   netsession monitor [--json] [--duration MS] [--fast] [--no-session] [--session ID] [--budget ID=BYTES]
 *                      [--url URL [--token-file F]]
 *       (reachability changes of every configuration and of its session among the lines; its session's
 *       `losing` and `dataBudget` lines)
 *   netsession sim run FILE [--json] [--stop-on-failure]
 *   netsession record [--driver sim|linux] [--url URL] [--duration MS] [--out FILE]   (scripts/cli_trace.ts)
 *   netsession sim replay FILE [--json] [--session ID]
 *   netsession sim from-trace FILE [--out FILE]
 *
 * `list` and `monitor` use the demo simulated world (scripts/demo_world.ts),
 * or a running daemon (through `RemoteDriver`): `--daemon` finds the local
 * daemon's Unix socket, `--socket PATH` names one (no token over the socket),
 * `--url URL [--token-file F]` goes over TCP.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  CONFIGURATION_STATES,
  type ConfigurationState,
  NetworkConfigurationManager,
  type NetworkSession,
} from "../core/mod.ts";
import { SimDriver } from "../drivers/sim/mod.ts";
import { animateDemoWorld, createDemoWorld } from "./demo_world.ts";
import { reachabilityCell, watchReachability } from "./cli_reachability.ts";

const USAGE = `usage: netsession <command> [options]

commands:
  serve [options]               start the daemon (sim world by default; see server/README.md, --help)
  list [--json] [--state S]     list configurations (S: defined, discovered, active) and how far
                                each reaches (+portal: behind a captive portal)
  monitor [--json] [--duration MS] [--fast] [--no-session] [--session ID] [--budget ID=BYTES]
                                print live state and reachability changes of the demo world; a session
                                on the service network (--session ID: on ID) keeps a link up and prints its
                                losing and dataBudget lines (--no-session: only watch). --budget sets a data
                                budget on an access point (repeatable). --duration stops after MS virtual
                                milliseconds; --fast runs virtual time without waiting
  sim run FILE [--json] [--stop-on-failure]
                                play a scenario file and check its expectations
  record [--driver sim|linux] [--url URL [--token-file F]] [--duration MS] [--out FILE] [--session ID]
                                record a driver as a trace (JSON Lines): the demo world on its virtual
                                clock, NetworkManager, or a daemon; --session ID also opens a session
  sim replay FILE [--json] [--session ID]
                                replay a trace on a virtual clock and print its configuration events
                                (--session ID: open a session on ID and print its events too)
  sim from-trace FILE [--out FILE]
                                write a scenario to edit from a trace (its notes on stderr)
  help                          this text

list and monitor take --daemon (the local daemon, over its Unix socket), --socket PATH, or
--url URL [--token-file F] (TCP) to use a running daemon instead of the demo world (monitor then runs in
real time and opens a session only with --session ID).
`;

function fail(message: string): number {
  console.error(`netsession: ${message}`);
  return 2;
}

async function demoManager(seed = 1) {
  const world = createDemoWorld(seed);
  const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
  return { world, manager };
}

/** How a command reaches a running daemon: `--daemon` (its socket, found), `--socket PATH`, or `--url URL`. */
interface DaemonAccess {
  url?: string;
  socket?: string;
  daemon?: boolean;
  "token-file"?: string;
}

/** Whether the command line asks for a running daemon rather than the demo world. */
function wantsDaemon(values: DaemonAccess): boolean {
  return values.url !== undefined || values.socket !== undefined || values.daemon === true;
}

/**
 * A manager on a running daemon, sharing its session counter: over its Unix socket (`--socket PATH`, or with
 * `--daemon` the local daemon's, found as RemoteDriver finds it; no token), or over TCP (`--url`, the token
 * from `--token-file` or the default token file).
 */
async function remoteManager(values: DaemonAccess) {
  const { RemoteDriver, defaultTokenFile } = await import("../server/mod.ts");
  if (values.url === undefined) {
    return await NetworkConfigurationManager.create(
      new RemoteDriver(values.socket === undefined ? {} : { socket: values.socket }),
    );
  }
  const path = values["token-file"] ?? defaultTokenFile();
  let token: string;
  try {
    token = (await Deno.readTextFile(path)).trim();
  } catch (error) {
    throw new Error(
      `cannot read the daemon's token file ${path} (${(error as Error).message}); pass --token-file`,
    );
  }
  return await NetworkConfigurationManager.create(new RemoteDriver({ url: values.url, token }));
}

const REMOTE_OPTIONS = {
  url: { type: "string" },
  "token-file": { type: "string" },
  socket: { type: "string" },
  daemon: { type: "boolean" },
} as const;

async function list(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: "boolean" }, state: { type: "string" }, ...REMOTE_OPTIONS },
  });
  if (values.state !== undefined && !(CONFIGURATION_STATES as readonly string[]).includes(values.state)) {
    return fail(`--state ${values.state}: expected one of ${CONFIGURATION_STATES.join(", ")}`);
  }
  const manager = wantsDaemon(values) ? await remoteManager(values) : (await demoManager()).manager;
  const configs = manager.allConfigurations(values.state as ConfigurationState | undefined);
  if (values.json) {
    console.log(JSON.stringify(configs.map((c) => c.toJSON()), null, 2));
  } else {
    const row = (id: string, type: string, state: string, bearer: string, reach: string, name: string) =>
      console.log(
        `${id.padEnd(14)} ${type.padEnd(22)} ${state.padEnd(11)} ${bearer.padEnd(9)} ${
          reach.padEnd(14)
        } ${name}`,
      );
    row("ID", "TYPE", "STATE", "BEARER", "REACHABILITY", "NAME");
    for (const c of configs) {
      row(
        c.identifier,
        c.type,
        c.state,
        c.bearerTypeName || "-",
        reachabilityCell(c),
        `${c.metered ? "metered " : ""}${c.name}`,
      );
    }
  }
  await manager.close();
  return 0;
}

/** How `monitor` prints a line: a kind and its fields. */
type Print = (kind: string, fields: Record<string, unknown>) => void;

/** `--budget ID=BYTES` values, checked. */
function parseBudgets(values: readonly string[] | undefined): [string, number][] {
  return (values ?? []).map((v) => {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m || Number(m[2]) <= 0) throw new Error(`--budget ${v}: expected ID=BYTES (BYTES > 0)`);
    return [m[1], Number(m[2])];
  });
}

/** Sets the `--budget`s on the monitor's manager. */
function applyBudgets(manager: NetworkConfigurationManager, budgets: [string, number][]): void {
  for (const [id, bytes] of budgets) {
    try {
      manager.setDataBudget(id, { bytes });
    } catch (error) {
      throw new Error(`--budget ${id}=${bytes}: ${(error as Error).message}`);
    }
  }
}

/** The lines of the monitor's own session: state, policies, errors, losing, data budget. */
function watchSession(session: NetworkSession, print: Print): void {
  const ap = () => session.sessionProperty("ActiveConfiguration") || "-";
  session.on("stateChanged", (state) => print("session", { state, accessPoint: ap() }));
  session.on("usagePoliciesChanged", (policies) => print("policies", { policies }));
  session.on("error", (error) => print("session-error", { error, message: session.errorString }));
  session.on("losing", (e) => print("losing", { accessPoint: ap(), msToLive: e.msToLive }));
  session.on(
    "dataBudget",
    (e) => print("dataBudget", { id: e.identifier, used: e.used, bytes: e.bytes, exhausted: e.exhausted }),
  );
}

async function monitor(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      duration: { type: "string" },
      fast: { type: "boolean" },
      "no-session": { type: "boolean" },
      session: { type: "string" },
      budget: { type: "string", multiple: true },
      ...REMOTE_OPTIONS,
    },
  });
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) {
    return fail(`--duration ${values.duration}: expected a positive number of milliseconds`);
  }
  if (values.fast && duration === Infinity) return fail("--fast needs --duration (it would never end)");
  if (values["no-session"] && values.session !== undefined) {
    return fail("--session and --no-session exclude each other");
  }
  let budgets: [string, number][];
  try {
    budgets = parseBudgets(values.budget);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (wantsDaemon(values)) {
    const o = { duration, json: !!values.json, session: values.session, budgets };
    return await monitorRemote(values, o);
  }
  const { world, manager } = await demoManager();
  const t0 = world.clock.now();
  const print = (kind: string, fields: Record<string, unknown>) => {
    const at = world.clock.now() - t0;
    if (values.json) console.log(JSON.stringify({ at, event: kind, ...fields }));
    else {
      const rest = Object.entries(fields).map(([k, v]) =>
        `${k}=${Array.isArray(v) ? v.join(",") || "none" : v}`
      );
      console.log(`${(at / 1000).toFixed(3).padStart(9)}s  ${kind.padEnd(22)} ${rest.join(" ")}`);
    }
  };
  manager.on("configurationChanged", (c) => print("configuration", { id: c.identifier, state: c.state }));
  manager.on("onlineStateChanged", (online) => print("online", { online }));
  try {
    applyBudgets(manager, budgets);
  } catch (error) {
    await manager.close();
    return fail((error as Error).message);
  }
  const stopAnimation = animateDemoWorld(world);
  const session = values["no-session"]
    ? undefined
    : manager.createSession(manager.configurationFromIdentifier(values.session ?? "internet"));
  watchReachability(manager, print, session);
  if (session) {
    watchSession(session, print);
    session.open();
  }
  let stopping = false;
  const stop = () => (stopping = true);
  if (!values.fast) {
    try {
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
    } catch { /* signals unsupported here */ }
  }
  // Drive the virtual clock: in real time, or as fast as possible with --fast.
  const step = 100;
  let last = performance.now();
  while (!stopping && world.clock.now() - t0 < duration) {
    if (values.fast) {
      await world.advance(Math.min(step, duration - (world.clock.now() - t0)));
    } else {
      await new Promise((r) => setTimeout(r, step));
      const now = performance.now();
      await world.advance(Math.min(now - last, duration - (world.clock.now() - t0)));
      last = now;
    }
  }
  stopAnimation();
  if (!values.fast) {
    try {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    } catch { /* ignore */ }
  }
  await manager.close();
  return 0;
}

/** `monitor --url`: watch a daemon's configurations in real time (a session only with `--session ID`). */
async function monitorRemote(
  access: DaemonAccess,
  o: { duration: number; json: boolean; session?: string; budgets: [string, number][] },
) {
  const { duration, json } = o;
  const manager = await remoteManager(access);
  try {
    applyBudgets(manager, o.budgets);
  } catch (error) {
    await manager.close();
    return fail((error as Error).message);
  }
  const t0 = performance.now();
  const print = (kind: string, fields: Record<string, unknown>) => {
    const at = Math.round(performance.now() - t0);
    if (json) console.log(JSON.stringify({ at, event: kind, ...fields }));
    else {
      const rest = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
      console.log(`${(at / 1000).toFixed(3).padStart(9)}s  ${kind.padEnd(22)} ${rest.join(" ")}`);
    }
  };
  for (const c of manager.allConfigurations()) print("configuration", { id: c.identifier, state: c.state });
  manager.on("configurationChanged", (c) => print("configuration", { id: c.identifier, state: c.state }));
  manager.on("configurationAdded", (c) => print("added", { id: c.identifier, state: c.state }));
  manager.on("configurationRemoved", (c) => print("removed", { id: c.identifier }));
  manager.on("onlineStateChanged", (online) => print("online", { online }));
  const session = o.session === undefined
    ? undefined
    : manager.createSession(manager.configurationFromIdentifier(o.session));
  watchReachability(manager, print, session);
  if (session) {
    watchSession(session, print);
    session.open();
  }
  const done = Promise.withResolvers<void>();
  const stop = () => done.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const timer = duration === Infinity ? undefined : setTimeout(stop, duration);
  await done.promise;
  clearTimeout(timer);
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await manager.close();
  return 0;
}

async function sim(args: string[]): Promise<number> {
  if (args[0] === "replay") return await (await import("./cli_trace.ts")).simReplay(args.slice(1));
  if (args[0] === "from-trace") return await (await import("./cli_trace.ts")).simFromTrace(args.slice(1));
  if (args[0] !== "run") return fail(`sim ${args[0] ?? ""}: expected 'sim run|replay|from-trace FILE'`);
  const { simRun } = await import("./sim_run.ts");
  return await simRun(args.slice(1));
}

async function serve(args: string[]): Promise<number> {
  const { serve, parseServeArgs } = await import("../server/mod.ts");
  if (args.includes("--help") || args.includes("-h")) {
    const { SERVE_USAGE } = await import("../server/mod.ts");
    console.log(
      SERVE_USAGE.replace("usage: serve.ts", "usage: netsession serve") + "\n(see server/README.md)",
    );
    return 0;
  }
  const server = await serve({ ...parseServeArgs(args), handleSignals: true });
  await server.finished;
  return 0;
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "list":
        return await list(rest);
      case "monitor":
        return await monitor(rest);
      case "sim":
        return await sim(rest);
      case "serve":
        return await serve(rest);
      case "record":
        return await (await import("./cli_trace.ts")).record(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return fail(`unknown command '${command}'\n${USAGE}`);
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
