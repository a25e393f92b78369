/**
 * `netsession monitor`: configurations, sessions, roaming, policies,
 * reachability and traffic as they change, one line each (or `--json`), an
 * unchanged state never printed twice. On the running daemon by default (its
 * whole event stream, in real time), else the demo world on its virtual clock.
 *
 * @module
 */
import type { NetworkConfiguration, NetworkConfigurationManager, NetworkSession } from "../core/mod.ts";
import { animateDemoWorld } from "./demo_world.ts";
import { watchReachability } from "./cli_reachability.ts";
import { CliError, EXIT_CODES_TEXT, parseDuration, parseOptions, wantsHelp } from "./cli_common.ts";
import { ACCESS_HELP, ACCESS_OPTIONS, daemonStream, type DaemonTarget, openWorld } from "./cli_daemon.ts";

/** `netsession monitor --help`. */
export const MONITOR_USAGE =
  `usage: netsession monitor [--json] [--duration MS] [--fast] [--no-session] [--session ID]
                         [--budget ID=BYTES]... [where]

Prints configurations, sessions, roaming, usage policies, reachability and traffic as they change (a state
that did not change is not printed again). The first line says which world ("daemon at …" or "demo world").
  --duration MS   stop after MS milliseconds (virtual ones in the demo world)
  --fast          demo world: run virtual time without waiting (needs --duration)
  --session ID    open a session on ID and print its lines too (losing, dataBudget); in the demo world one is
                  opened on the service network unless --no-session
  --budget ID=BYTES  set a data budget on an access point (repeatable)
  --json          one JSON object a line: {"at", "event", ...}
${ACCESS_HELP}
${EXIT_CODES_TEXT}`;

/** How `monitor` prints a line: a kind and its fields. */
export type Print = (kind: string, fields: Record<string, unknown>) => void;

/** Kinds that are events, printed every time (the others are states, printed when they change). */
const EVENT_KINDS = new Set([
  "losing",
  "link-losing",
  "dataBudget",
  "roaming",
  "session-error",
  "session-losing",
  "session-data-budget",
  "session-opened",
  "session-closed",
  "client-expired",
  "scenario",
  "shutdown",
  "world",
]);

/** A printer: text or JSON lines, each state printed only when it changed. */
export function printer(json: boolean, now: () => number): Print {
  const last = new Map<string, string>();
  return (kind, fields) => {
    if (!EVENT_KINDS.has(kind)) {
      const key = `${kind}:${fields.id ?? fields.session ?? ""}`;
      const value = JSON.stringify(fields);
      if (last.get(key) === value) return;
      last.set(key, value);
    }
    const at = Math.round(now());
    if (json) return console.log(JSON.stringify({ at, event: kind, ...fields }));
    const rest = Object.entries(fields).map(([k, v]) =>
      `${k}=${Array.isArray(v) ? v.join(",") || "none" : v}`
    );
    console.log(`${(at / 1000).toFixed(3).padStart(9)}s  ${kind.padEnd(22)} ${rest.join(" ")}`);
  };
}

/** `--budget ID=BYTES` values, checked. */
function parseBudgets(values: readonly string[] | undefined): [string, number][] {
  return (values ?? []).map((v) => {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m || Number(m[2]) <= 0) throw new CliError(`--budget ${v}: expected ID=BYTES (BYTES > 0)`);
    return [m[1], Number(m[2])];
  });
}

function configurationLine(c: NetworkConfiguration): Record<string, unknown> {
  const signal = (c.data as { signal?: unknown } | undefined)?.signal;
  return { id: c.identifier, state: c.state, ...(typeof signal === "number" ? { signal } : {}) };
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

function watchManager(manager: NetworkConfigurationManager, print: Print, session?: NetworkSession): void {
  manager.on("configurationChanged", (c) => print("configuration", configurationLine(c)));
  manager.on("configurationAdded", (c) => print("configuration", configurationLine(c)));
  manager.on("configurationRemoved", (c) => print("removed", { id: c.identifier }));
  manager.on("onlineStateChanged", (online) => print("online", { online }));
  watchReachability(manager, print, session);
  if (session) watchSession(session, print);
}

/** Runs `monitor` with `args`; returns the exit code. */
export async function monitor(args: string[]): Promise<number> {
  if (wantsHelp(args)) return (console.log(MONITOR_USAGE), 0);
  const { values } = parseOptions("monitor", args, {
    json: { type: "boolean" },
    duration: { type: "string" },
    fast: { type: "boolean" },
    "no-session": { type: "boolean" },
    session: { type: "string" },
    budget: { type: "string", multiple: true },
    ...ACCESS_OPTIONS,
  });
  const duration = parseDuration(values.duration);
  if (values.fast && duration === Infinity) {
    throw new CliError("--fast needs --duration (it would never end)");
  }
  if (values["no-session"] && values.session !== undefined) {
    throw new CliError("--session and --no-session exclude each other");
  }
  const budgets = parseBudgets(values.budget);
  const world = await openWorld(values);
  const { manager, demo } = world;
  try {
    for (const [id, bytes] of budgets) {
      try {
        manager.setDataBudget(id, { bytes });
      } catch (error) {
        throw new CliError(`--budget ${id}=${bytes}: ${(error as Error).message}`);
      }
    }
    const t0 = demo ? demo.clock.now() : performance.now();
    const print = printer(!!values.json, () => (demo ? demo.clock.now() : performance.now()) - t0);
    print("world", { world: world.label });
    for (const c of manager.allConfigurations()) print("configuration", configurationLine(c));
    const sessionOn = values.session ?? (demo && !values["no-session"] ? "internet" : undefined);
    const session = sessionOn === undefined
      ? undefined
      : manager.createSession(manager.configurationFromIdentifier(sessionOn));
    watchManager(manager, print, session);
    const stop = AbortSignal.any([
      ...(duration === Infinity || demo ? [] : [AbortSignal.timeout(duration)]),
      signalled(!values.fast),
    ]);
    if (world.daemon) void followDaemon(world.daemon, print, stop);
    session?.open();
    if (demo) {
      const stopAnimation = animateDemoWorld(demo);
      const step = 100;
      let last = performance.now();
      while (!stop.aborted && demo.clock.now() - t0 < duration) {
        const left = duration - (demo.clock.now() - t0);
        if (values.fast) await demo.advance(Math.min(step, left));
        else {
          await new Promise((r) => setTimeout(r, step));
          const now = performance.now();
          await demo.advance(Math.min(now - last, left));
          last = now;
        }
      }
      stopAnimation();
    } else {
      await new Promise((r) => stop.addEventListener("abort", r, { once: true }));
    }
    unlisten?.();
    return 0;
  } finally {
    await manager.close();
  }
}

let unlisten: (() => void) | undefined;

/** A signal aborted by SIGINT or SIGTERM (when `listen`). */
function signalled(listen: boolean): AbortSignal {
  const ac = new AbortController();
  if (!listen) return ac.signal;
  const stop = () => ac.abort();
  try {
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    unlisten = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    };
  } catch { /* signals unsupported here */ }
  return ac.signal;
}

/** Kinds of the daemon's stream the monitor prints (configurations and online come from its manager). */
const STREAM_SKIP = new Set(["hello", "gap", "keep-alive", "configuration-added", "configuration-changed"]);

/** Prints the daemon's sessions, roaming, policies and traffic from its event stream until `stop`. */
async function followDaemon(t: DaemonTarget, print: Print, stop: AbortSignal): Promise<void> {
  let stream;
  try {
    stream = await daemonStream(t, stop);
  } catch (error) {
    if (!stop.aborted) print("stream-error", { message: (error as Error).message });
    return;
  }
  const { res, close } = stream;
  try {
    let buffer = "";
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).join("\n");
        if (data) streamLine(JSON.parse(data), print);
      }
    }
  } catch {
    /* stopped */
  } finally {
    close();
  }
}

function streamLine(e: Record<string, unknown>, print: Print): void {
  const { type, seq: _seq, at: _at, time: _time, ...fields } = e as
    & { type: string; seq?: unknown; at?: unknown; time?: unknown }
    & Record<
      string,
      unknown
    >;
  if (STREAM_SKIP.has(type) || type === "online-changed" || type === "configuration-removed") return;
  if (type === "statistics") {
    const stats = fields.statistics as Record<string, { bytesReceived: number; bytesWritten: number }>;
    for (const [id, s] of Object.entries(stats)) {
      print("traffic", { id, rx: s.bytesReceived, tx: s.bytesWritten });
    }
    return;
  }
  if (type === "usage-policies-changed") return print("policies", fields);
  if (type === "losing") return print("link-losing", { id: fields.identifier, msToLive: fields.msToLive });
  print(type, fields);
}
