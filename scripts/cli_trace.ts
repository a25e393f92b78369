/**
 * The trace commands of the `netsession` command line:
 *
 *   netsession record [--driver sim|linux] [--url URL [--token-file F]] [--duration MS] [--out FILE]
 *                     [--session ID]
 *   netsession sim replay FILE [--json] [--session ID]
 *   netsession sim from-trace FILE [--out FILE]
 *
 * Exit code 2 for bad options and for a missing or malformed trace (the
 * message names the line).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type DriverTrace,
  formatTrace,
  NetworkConfigurationManager,
  type NetworkDriver,
  parseTrace,
  RecordingDriver,
  systemClock,
  TraceError,
} from "../core/mod.ts";
import { ReplayDriver, scenarioFromTrace, SimDriver, VirtualClock } from "../drivers/sim/mod.ts";
import { animateDemoWorld, createDemoWorld } from "./demo_world.ts";

function fail(command: string, message: string): number {
  console.error(`netsession ${command}: ${message}`);
  return 2;
}

/** Options parsed, or the exit code of a bad command line. */
function options(
  command: string,
  args: string[],
  spec: Record<string, { type: "string" | "boolean" }>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  try {
    const { values, positionals } = parseArgs({ args, options: spec, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    return fail(command, (error as Error).message);
  }
}

/** The trace in FILE, or the exit code (2) after saying what is wrong. */
async function readTrace(command: string, file: string): Promise<DriverTrace | number> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    return fail(command, `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseTrace(text);
  } catch (error) {
    if (error instanceof TraceError) return fail(command, `${file}: ${error.message}`);
    throw error;
  }
}

async function write(out: string | undefined, text: string): Promise<void> {
  if (out === undefined) await Deno.stdout.write(new TextEncoder().encode(text));
  else await Deno.writeTextFile(out, text);
}

/** A driver to the daemon at `url`, as `list --url` and `monitor --url` connect (the token file). */
async function remoteDriver(url: string, tokenFile: string | undefined): Promise<NetworkDriver> {
  const { RemoteDriver, defaultTokenFile } = await import("../server/mod.ts");
  const path = tokenFile ?? defaultTokenFile();
  let token: string;
  try {
    token = (await Deno.readTextFile(path)).trim();
  } catch (error) {
    throw new Error(
      `cannot read the daemon's token file ${path} (${(error as Error).message}); pass --token-file`,
    );
  }
  return new RemoteDriver({ url, token });
}

async function linuxDriver(): Promise<NetworkDriver> {
  const specifier = "../drivers/linux/mod.ts";
  const mod = await import(specifier) as { NetworkManagerDriver: new () => NetworkDriver };
  return new mod.NetworkManagerDriver();
}

/**
 * `netsession record`: records a driver (the demo world on its virtual clock,
 * NetworkManager, or a daemon) for `--duration` milliseconds and writes the
 * trace as JSON Lines. `--session ID` also opens a session on ID, so that the
 * trace holds the activations too.
 */
export async function record(args: string[]): Promise<number> {
  const parsed = options("record", args, {
    driver: { type: "string" },
    url: { type: "string" },
    "token-file": { type: "string" },
    duration: { type: "string" },
    out: { type: "string" },
    session: { type: "string" },
    note: { type: "string" },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return fail("record", `unexpected argument '${positionals[0]}'`);
  const kind = (values.driver as string | undefined) ?? "sim";
  if (kind !== "sim" && kind !== "linux") return fail("record", `--driver ${kind}: use sim or linux`);
  if (values.url !== undefined && values.driver !== undefined) {
    return fail("record", "--url records a daemon: leave out --driver");
  }
  const duration = values.duration === undefined
    ? (kind === "sim" ? 60_000 : 10_000)
    : Number(values.duration);
  if (!(duration > 0) || !Number.isFinite(duration)) {
    return fail("record", `--duration ${values.duration}: expected a positive number of milliseconds`);
  }
  const note = values.note as string | undefined;
  const session = values.session as string | undefined;
  let trace: DriverTrace;
  if (values.url === undefined && kind === "sim") {
    const world = createDemoWorld();
    const recording = new RecordingDriver(new SimDriver(world), { clock: world.clock, note });
    const manager = await NetworkConfigurationManager.create(recording, { clock: world.clock });
    const stop = animateDemoWorld(world);
    if (session !== undefined) manager.createSession(manager.configurationFromIdentifier(session)).open();
    const t0 = world.clock.now();
    while (world.clock.now() - t0 < duration) {
      await world.advance(Math.min(1000, duration - (world.clock.now() - t0)));
    }
    stop();
    await manager.close();
    trace = recording.trace;
  } else {
    const inner = values.url !== undefined
      ? await remoteDriver(values.url as string, values["token-file"] as string | undefined)
      : await linuxDriver();
    const recording = new RecordingDriver(inner, { clock: systemClock, note });
    const manager = await NetworkConfigurationManager.create(recording);
    if (session !== undefined) manager.createSession(manager.configurationFromIdentifier(session)).open();
    const done = Promise.withResolvers<void>();
    const stop = () => done.resolve();
    Deno.addSignalListener("SIGINT", stop);
    const timer = setTimeout(stop, duration);
    await done.promise;
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", stop);
    await manager.close();
    trace = recording.trace;
  }
  await write(values.out as string | undefined, formatTrace(trace));
  if (values.out !== undefined) {
    console.error(`netsession record: ${trace.entries.length} entries written to ${values.out}`);
  }
  return 0;
}

/**
 * `netsession sim replay FILE [--json] [--session ID]`: replays a trace on a
 * virtual clock and prints the configuration events as the core sees them
 * (and with `--session ID` the events of a session opened on ID at 0).
 */
export async function simReplay(args: string[]): Promise<number> {
  const parsed = options("sim replay", args, { json: { type: "boolean" }, session: { type: "string" } });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    return fail("sim replay", "usage: netsession sim replay FILE [--json] [--session ID]");
  }
  const trace = await readTrace("sim replay", positionals[0]);
  if (typeof trace === "number") return trace;
  const clock = new VirtualClock();
  const driver = new ReplayDriver(trace, { clock });
  const manager = await NetworkConfigurationManager.create(driver, { clock });
  let quiet = false;
  const print = (kind: string, fields: Record<string, unknown>) => {
    if (quiet) return;
    const at = clock.now();
    if (values.json) console.log(JSON.stringify({ at, event: kind, ...fields }));
    else {
      const rest = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
      console.log(`${(at / 1000).toFixed(3).padStart(9)}s  ${kind.padEnd(14)} ${rest.join(" ")}`);
    }
  };
  manager.on("configurationAdded", (c) => print("added", { id: c.identifier, state: c.state }));
  manager.on("configurationChanged", (c) => print("configuration", { id: c.identifier, state: c.state }));
  manager.on("configurationRemoved", (c) => print("removed", { id: c.identifier }));
  manager.on("onlineStateChanged", (online) => print("online", { online }));
  if (values.session !== undefined) {
    const session = manager.createSession(manager.configurationFromIdentifier(values.session as string));
    const ap = () => session.sessionProperty("ActiveConfiguration") || "-";
    session.on("stateChanged", (state) => print("session", { state, accessPoint: ap() }));
    session.on("opened", () => print("opened", { accessPoint: ap() }));
    session.on("closed", () => print("closed", {}));
    session.on("error", (error) => print("session-error", { error, message: session.errorString }));
    session.on("losing", (e) => print("losing", { accessPoint: ap(), msToLive: e.msToLive }));
    session.open();
  }
  await clock.advance(driver.durationMs);
  quiet = true; // closing calls after the trace's end are not part of the timeline
  await manager.close();
  return 0;
}

/** `netsession sim from-trace FILE [--out FILE]`: writes the scenario of a trace; its notes go to stderr. */
export async function simFromTrace(args: string[]): Promise<number> {
  const parsed = options("sim from-trace", args, { out: { type: "string" } });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    return fail("sim from-trace", "usage: netsession sim from-trace FILE [--out FILE]");
  }
  const trace = await readTrace("sim from-trace", positionals[0]);
  if (typeof trace === "number") return trace;
  const { scenario, notes } = scenarioFromTrace(trace);
  await write(values.out as string | undefined, JSON.stringify(scenario, null, 2) + "\n");
  for (const n of notes) console.error(`note: ${n}`);
  return 0;
}
