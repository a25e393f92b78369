// The processes and namespaces of a lab: running commands, the network namespaces and veth links, the access
// points' HTTP servers, the private dbus-daemon and NetworkManager (started, waited for, stopped by the pids the
// lab started, never by name), and tearing a lab down from its record.
import { CONNECTIVITY_ADDRESS, modeFile, writeMode } from "./files.ts";
import type { LabAccessPoint, LabRecord } from "./types.ts";

const textDecoder = new TextDecoder();

const TRACE = (() => {
  try {
    return Deno.env.get("LAB_TRACE") === "1";
  } catch {
    return false;
  }
})();
const T0 = performance.now();
/** With `LAB_TRACE=1`: logs a bring-up milestone with its time. */
export function trace(what: string) {
  if (TRACE) {
    console.error(`lab +${Math.round(performance.now() - T0)} ms: ${what}`);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The path of an executable on PATH or in the system directories, if any. */
export async function which(cmd: string): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat([
    "/usr/sbin",
    "/sbin",
    "/usr/bin",
    "/bin",
  ]);
  for (const d of dirs) {
    if (!d) continue;
    try {
      const p = `${d}/${cmd}`;
      const st = await Deno.stat(p);
      if (st.isFile && (st.mode ?? 0o111) & 0o111) return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** What a command printed and its exit code. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end. */
export async function run(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<RunResult> {
  const out = await new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return {
    code: out.code,
    stdout: textDecoder.decode(out.stdout),
    stderr: textDecoder.decode(out.stderr),
  };
}

/** Runs a command to its end; resolves to its stdout, rejects naming the command and its stderr on failure. */
export async function runOk(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  const r = await run(cmd, args, env);
  if (r.code !== 0) {
    throw new Error(
      `lab: \`${cmd} ${args.join(" ")}\` exited with ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** Whether a pid is still a live (non-zombie) process. */
export function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(
      stat.lastIndexOf(")") + 2,
      stat.lastIndexOf(")") + 3,
    );
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The command line of a pid ("" when gone). */
export function processCmdline(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** SIGTERM a pid (only if its command line mentions `mark`), wait until gone or zombie; SIGKILL after `ms`. */
export async function terminate(pid: number, mark: string, ms = 3000): Promise<void> {
  if (!processAlive(pid) || !processCmdline(pid).includes(mark)) return;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* gone */ }
  const deadline = Date.now() + ms;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
      const hard = Date.now() + 2000;
      while (processAlive(pid) && Date.now() < hard) await sleep(10);
      return;
    }
    await sleep(5);
  }
}

/** Reads until `n` lines have arrived (a process saying it is ready); rejects after `ms` or when it exits. */
async function readLines(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  n: number,
  ms: number,
  what: string,
) {
  let buf = "";
  const deadline = Date.now() + ms;
  while (buf.split("\n").length <= n) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`lab: ${what} did not start within ${ms} ms`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      reader.read(),
      new Promise<"timeout">((res) => timer = setTimeout(() => res("timeout"), left)),
    ]);
    clearTimeout(timer);
    if (r === "timeout") continue;
    if (r.done) throw new Error(`lab: ${what} exited during start-up`);
    buf += textDecoder.decode(r.value);
  }
  return buf;
}

/** Quotes a word for `sh -c`. */
export const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The processes a lab started, by key (`nm`, `bus`, `http-<peer>`); their pids are kept in the record. */
export class LabProcesses {
  readonly #record: LabRecord;
  #children = new Map<string, Deno.ChildProcess>();

  constructor(record: LabRecord) {
    this.#record = record;
  }

  /** Takes a started process under `key` (a persistent lab's processes outlive this Deno process). */
  adopt(key: string, child: Deno.ChildProcess): void {
    this.#children.set(key, child);
    this.#record.pids[key] = child.pid;
    if (this.#record.persistent) child.unref();
  }

  /** Sends `signal` to the process under `key`, waits until it is gone (SIGKILL after 5 s) and forgets it. */
  async kill(key: string, signal: Deno.Signal): Promise<void> {
    const pid = this.#record.pids[key];
    if (!pid) return;
    const dir = this.#record.dir;
    const child = this.#children.get(key);
    if (child) await stopChild(child, signal, 5000);
    else if (processAlive(pid) && processCmdline(pid).includes(dir)) {
      try {
        Deno.kill(pid, signal);
      } catch { /* gone */ }
      const deadline = Date.now() + 5000;
      while (processAlive(pid) && Date.now() < deadline) await sleep(5);
      if (processAlive(pid)) await terminate(pid, dir, 0);
    }
    this.#children.delete(key);
    delete this.#record.pids[key];
  }

  /** Stops every process: NetworkManager first, the bus last. */
  async stopAll(): Promise<void> {
    const pids = this.#record.pids;
    const order = [
      "nm",
      ...Object.keys(pids).filter((k) => k !== "nm" && k !== "bus"),
      "bus",
    ];
    for (const key of order) {
      const pid = pids[key];
      const child = this.#children.get(key);
      if (child) await stopChild(child, "SIGTERM", 3000);
      else if (pid) await terminate(pid, this.#record.dir);
    }
    this.#children.clear();
  }
}

/**
 * Stops a process this Deno process started: `signal`, SIGKILL after `ms`, and resolves once it is reaped. Being
 * our own unreaped child, its pid cannot belong to another process, so no command-line check is needed — a check
 * that once failed here (an empty read of /proc under a loaded parallel run) left a live NetworkManager
 * untouched while its exit was awaited for ever. Never waits more than `ms` + 2 s: a process that outlives
 * SIGKILL is reported and left.
 */
async function stopChild(child: Deno.ChildProcess, signal: Deno.Signal, ms: number): Promise<void> {
  const reaped = child.status.then(() => true, () => true);
  try {
    child.kill(signal);
  } catch { /* already exited */ }
  if (await within(reaped, ms)) return;
  try {
    child.kill("SIGKILL");
  } catch { /* already exited */ }
  if (await within(reaped, 2000)) return;
  console.warn(`lab: process ${child.pid} did not exit after SIGKILL; left behind`);
}

/** Whether `done` resolves within `ms` (its value, else false). */
async function within(done: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Tears a lab down from its record: its processes (by pid), its namespaces, its directory. */
export async function teardownRecord(record: LabRecord): Promise<void> {
  for (const pid of Object.values(record.pids)) {
    await terminate(pid, record.dir);
  }
  for (const ns of record.namespaces) await run("ip", ["netns", "del", ns]);
  await Deno.remove(record.dir, { recursive: true }).catch(() => {});
}

/** The same, synchronously and harder (SIGKILL), for when the process exits without stopping its lab. */
export function teardownRecordSync(record: LabRecord): void {
  for (const pid of Object.values(record.pids)) {
    if (processAlive(pid) && processCmdline(pid).includes(record.dir)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  for (const ns of record.namespaces) {
    new Deno.Command("ip", {
      args: ["netns", "del", ns],
      stdout: "null",
      stderr: "null",
    }).outputSync();
  }
  try {
    Deno.removeSync(record.dir, { recursive: true });
  } catch { /* gone */ }
}

/** Creates the lab's namespaces (NetworkManager's first), with loopback up in NetworkManager's. */
export async function createNamespaces(record: LabRecord): Promise<void> {
  for (const ns of record.namespaces) await runOk("ip", ["netns", "add", ns]);
  await runOk("ip", ["-n", record.namespaces[0], "link", "set", "lo", "up"]);
}

/** What starting an access point needs. */
export interface AccessPointStart {
  readonly processes: LabProcesses;
  readonly dir: string;
  /** NetworkManager's namespace. */
  readonly namespace: string;
  readonly python: string;
  readonly serverScript: string;
  readonly timeout: number;
}

/**
 * Brings up access point number `i`: its veth link (our end in NetworkManager's namespace), its addresses, and
 * its HTTP server (connectivity checks answering "full", traffic); resolves once the server listens.
 */
export async function startAccessPoint(s: AccessPointStart, ap: LabAccessPoint, i: number): Promise<void> {
  const ns = ap.peerNamespace;
  await runOk("ip", [
    ...["-n", s.namespace, "link", "add", ap.interface, "index", String(ap.ifindex)],
    ...["type", "veth", "peer", "name", ap.peerInterface, "netns", ns, "index", String(201 + i)],
  ]);
  await runOk("ip", ["-n", ns, "link", "set", "lo", "up"]);
  await runOk("ip", ["-n", ns, "addr", "add", `${ap.peerAddress}/${ap.prefix}`, "dev", ap.peerInterface]);
  await runOk("ip", ["-n", ns, "addr", "add", `${CONNECTIVITY_ADDRESS}/32`, "dev", "lo"]);
  await runOk("ip", ["-n", ns, "link", "set", ap.peerInterface, "up"]);
  await writeMode(s.dir, ap, "full");
  const child = new Deno.Command("ip", {
    args: [
      ...["netns", "exec", ns, "sh", "-c"],
      `exec "$0" "$@" 2>>${shQuote(`${s.dir}/http-${ap.peerInterface}.log`)}`,
      ...[s.python, s.serverScript, "0.0.0.0", "80", modeFile(s.dir, ap)],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  s.processes.adopt(`http-${ap.peerInterface}`, child);
  const reader = child.stdout.getReader();
  await readLines(reader, 1, s.timeout, `the HTTP server of ${ap.name}`);
  reader.releaseLock();
  await child.stdout.cancel();
}

/** Starts the private dbus-daemon on `config`; resolves to its address once it listens. */
export async function startBus(
  processes: LabProcesses,
  dir: string,
  config: string,
  timeout: number,
): Promise<string> {
  const bus = new Deno.Command("sh", {
    args: [
      "-c",
      `exec dbus-daemon --config-file=${shQuote(config)} --nofork --print-address=1 --print-pid=1` +
      ` 2>>${shQuote(`${dir}/bus.log`)}`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  processes.adopt("bus", bus);
  const reader = bus.stdout.getReader();
  // Both lines (address, pid) must be read before the pipe is closed, or dbus-daemon dies writing the pid.
  const lines = (await readLines(reader, 2, timeout, "dbus-daemon")).trim()
    .split("\n");
  reader.releaseLock();
  await bus.stdout.cancel();
  return lines[0];
}

/**
 * Starts NetworkManager in `namespace` and a mount namespace of its own (read-only /sys, private /run and
 * /var/lib/NetworkManager), on the lab's bus (`env`), logging to `<dir>/nm.log`. `exec` keeps its pid the child's.
 */
export function spawnNetworkManager(
  dir: string,
  namespace: string,
  env: Record<string, string>,
): Deno.ChildProcess {
  const script = [
    "set -e",
    "mount -n --make-rprivate /",
    "mount -n -o remount,ro /sys",
    `mount -n --bind ${shQuote(`${dir}/run`)} /run`,
    `mount -n --bind ${shQuote(`${dir}/varlib`)} /var/lib/NetworkManager`,
    `exec NetworkManager --no-daemon --debug --config=${shQuote(`${dir}/nm.conf`)}` +
    ` --config-dir=${shQuote(`${dir}/conf.d`)} --system-config-dir=${shQuote(`${dir}/conf.d`)}` +
    ` --intern-config=${shQuote(`${dir}/lib/intern.conf`)} --state-file=${shQuote(`${dir}/lib/state`)}` +
    ` >>${shQuote(`${dir}/nm.log`)} 2>&1`,
  ].join("\n");
  return new Deno.Command("ip", {
    args: ["netns", "exec", namespace, "unshare", "-m", "sh", "-c", script],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** What waiting for NetworkManager needs. */
export interface NetworkManagerWait {
  readonly pid: number;
  readonly busAddress: string;
  readonly env: Record<string, string>;
  /** NetworkManager's interfaces that must be ready. */
  readonly interfaces: readonly string[];
  /** Whether the access point of an interface is down (its device then stays "unavailable"). */
  readonly peerIsDown: (iface: string) => boolean;
  /** `Date.now()` after which waiting fails. */
  readonly deadline: number;
  /** The tail of NetworkManager's log, for failure messages. */
  readonly log: () => Promise<string>;
}

/** Resolves once NetworkManager owns its bus name and its devices are ready; rejects with its log otherwise. */
export async function waitForNetworkManager(w: NetworkManagerWait): Promise<void> {
  // 1. NetworkManager owns its bus name.
  for (;;) {
    const r = await run("dbus-send", [
      `--bus=${w.busAddress}`,
      "--print-reply",
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      "string:org.freedesktop.NetworkManager",
    ]);
    if (r.stdout.includes("boolean true")) {
      trace("NetworkManager owns its name");
      break;
    }
    if (!processAlive(w.pid)) {
      throw new Error(`lab: NetworkManager exited during start-up:\n${await w.log()}`);
    }
    if (Date.now() > w.deadline) {
      throw new Error(`lab: NetworkManager did not start:\n${await w.log()}`);
    }
    await sleep(20);
  }
  // 2. Its devices left "unmanaged"/"unavailable" (carrier seen) and the connections are loaded.
  for (;;) {
    const out = (await run("nmcli", ["-t", "-f", "DEVICE,STATE", "device"], w.env))
      .stdout;
    const states = new Map(
      out.trim().split("\n").map((l) => l.split(":") as [string, string]),
    );
    const ready = w.interfaces.every((i) => {
      const s = states.get(i) ?? "";
      return s === "disconnected" || s.startsWith("connect") ||
        s === "unavailable" && w.peerIsDown(i);
    });
    if (ready) break;
    if (Date.now() > w.deadline) {
      throw new Error(
        `lab: devices not ready (${out.trim().replaceAll("\n", ", ")}):\n${await w.log()}`,
      );
    }
    await sleep(20);
  }
}

/** Whether the access point's end of the link is up. */
export async function peerLinkUp(ap: LabAccessPoint): Promise<boolean> {
  const out = await run("ip", ["-n", ap.peerNamespace, "-o", "link", "show", ap.peerInterface]);
  return /[<,]UP[,>]/.test(out.stdout);
}
