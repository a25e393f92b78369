/**
 * A private, real NetworkManager over virtual Ethernet links, for tests and demos (see `/work/shared/LAB.md`).
 *
 * {@linkcode startLab} starts a private system bus, a NetworkManager in a network and mount namespace of its own,
 * and two or more veth "access points" whose far ends live in namespaces of their own with an address and a tiny
 * HTTP server (connectivity checks, traffic). It installs nothing and never touches the host's networking.
 *
 * CLI: `deno run -A scripts/lab/lab.ts up|down [id|--all|--stale]|status`.
 *
 * @example
 * ```ts ignore
 * import { startLab } from "./scripts/lab/lab.ts";
 * await using lab = await startLab();
 * await lab.nmcli("connection", "up", "lab-a");
 * console.log(lab.busAddress, lab.uuids["lab-a"]);
 * ```
 *
 * @module
 */

const textDecoder = new TextDecoder();

/**
 * Thrown when the lab cannot run on this machine (not root, a program missing, namespaces not allowed).
 *
 * @example
 * ```ts ignore
 * try { await startLab(); } catch (e) { if (e instanceof LabUnavailableError) console.log(e.missing); }
 * ```
 */
export class LabUnavailableError extends Error {
  /** What is missing, one entry per problem. */
  readonly missing: readonly string[];
  /**
   * Builds the error; the message names every problem and how to install what is missing.
   *
   * @param missing what is missing, one entry per problem
   */
  constructor(missing: readonly string[]) {
    super(
      `the NetworkManager lab cannot run here: ${missing.join("; ")}. ` +
        `It needs root and NetworkManager, dbus-daemon, ip, unshare and python3 ` +
        `(apt-get install -y --no-install-recommends network-manager dbus iproute2 util-linux python3).`,
    );
    this.name = "LabUnavailableError";
    this.missing = missing;
  }
}

/** Options of one access point of the lab. */
export interface LabAccessPointOptions {
  /** Connection name (`lab-a`, ...). Default `lab-<letter>`. */
  readonly name?: string;
  /** `connection.metered yes`. Default false. */
  readonly metered?: boolean;
  /** `connection.autoconnect`. Default false (an autoconnecting connection comes up at once). */
  readonly autoconnect?: boolean;
  /** `connection.autoconnect-priority`. Default 0. */
  readonly autoconnectPriority?: number;
}

/** Options of {@linkcode startLab}. */
export interface LabOptions {
  /** Access points: a count (names `lab-a`, `lab-b`, ...; `lab-b` metered) or a list. Default 2. */
  readonly accessPoints?: number | readonly LabAccessPointOptions[];
  /** Directory under which the lab keeps its state. Default `<repo>/.lab/` (or the temp dir if too long). */
  readonly stateRoot?: string;
  /** Seconds between NetworkManager's periodic connectivity checks (0 = connectivity checking off). Default 10. */
  readonly connectivityInterval?: number;
  /** Leave the processes running when this Deno process exits (the CLI's `up`). Default false. */
  readonly persistent?: boolean;
  /** Milliseconds allowed for bring-up. Default 15000. */
  readonly timeout?: number;
}

/** One access point of a running lab. */
export interface LabAccessPoint {
  /** Connection name, e.g. `lab-a`. */
  readonly name: string;
  /** Connection UUID. */
  readonly uuid: string;
  /** Interface name in NetworkManager's namespace, e.g. `ns-a`. */
  readonly interface: string;
  /** Interface index of {@linkcode LabAccessPoint.interface} (101, 102, ...). */
  readonly ifindex: number;
  /** The access point's end of the veth, e.g. `apa` (in {@linkcode LabAccessPoint.peerNamespace}). */
  readonly peerInterface: string;
  /** The namespace of the access point's end. */
  readonly peerNamespace: string;
  /** Our address on the link, e.g. `10.77.1.2`. */
  readonly address: string;
  /** The access point's address (also the gateway), e.g. `10.77.1.1`. */
  readonly peerAddress: string;
  /** Prefix length of the link subnet (24). */
  readonly prefix: number;
  /** Whether the connection is `metered yes`. */
  readonly metered: boolean;
  /** Whether the connection autoconnects. */
  readonly autoconnect: boolean;
}

/** Connectivity answer of an access point's HTTP server. */
export type LabConnectivity = "full" | "portal" | "limited";

interface LabRecord {
  id: string;
  dir: string;
  ownerPid: number;
  persistent: boolean;
  namespaces: string[];
  pids: Record<string, number>;
  busAddress: string;
  accessPoints: LabAccessPoint[];
}

const LAB_DIR_MARK = "netsession-lab";
const CONNECTIVITY_ADDRESS = "10.77.0.1";
const HERE = new URL(".", import.meta.url);

const TRACE = (() => {
  try {
    return Deno.env.get("LAB_TRACE") === "1";
  } catch {
    return false;
  }
})();
const T0 = performance.now();
function trace(what: string) {
  if (TRACE) {
    console.error(`lab +${Math.round(performance.now() - T0)} ms: ${what}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function which(cmd: string): Promise<string | undefined> {
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

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(
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

async function runOk(
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

function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Whether a pid is still a live (non-zombie) process. */
function processAlive(pid: number): boolean {
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

function processCmdline(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** SIGTERM a pid (only if its command line mentions `mark`), wait until gone or zombie; SIGKILL after `ms`. */
async function terminate(pid: number, mark: string, ms = 3000): Promise<void> {
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

/**
 * Checks what the lab needs. Resolves to a list of problems (empty when the lab can run).
 *
 * @example
 * ```ts ignore
 * const problems = await labProblems();
 * if (problems.length) console.log("no lab:", problems.join("; "));
 * ```
 */
export async function labProblems(): Promise<string[]> {
  const problems: string[] = [];
  if (Deno.build.os !== "linux") {
    return [`Linux is required (this is ${Deno.build.os})`];
  }
  if (Deno.uid() !== 0) problems.push("root is required (uid is not 0)");
  const programs: [string, string][] = [
    ["NetworkManager", "apt-get install network-manager"],
    ["nmcli", "apt-get install network-manager"],
    ["dbus-daemon", "apt-get install dbus"],
    ["dbus-send", "apt-get install dbus"],
    ["ip", "apt-get install iproute2"],
    ["unshare", "apt-get install util-linux"],
    ["mount", "apt-get install mount"],
    ["python3", "apt-get install python3"],
  ];
  for (const [p, how] of programs) {
    if (!(await which(p))) problems.push(`\`${p}\` not found (${how})`);
  }
  for (
    const f of ["/usr/share/dbus-1/system.conf", "/var/lib/NetworkManager"]
  ) {
    try {
      await Deno.stat(f);
    } catch {
      problems.push(`${f} is missing (apt-get install network-manager)`);
    }
  }
  if (problems.length === 0) {
    const probe = `nsl-probe-${randomId()}`;
    const r = await run("ip", ["netns", "add", probe]);
    if (r.code !== 0) {
      problems.push(`cannot create a network namespace: ${r.stderr.trim()}`);
    } else await run("ip", ["netns", "del", probe]);
  }
  return problems;
}

/**
 * For lab test files: `undefined` when lab tests should run, else the reason they are skipped (also logged).
 * Under `CI=true` it always returns `undefined`, so that the tests run and fail loudly.
 *
 * @example
 * ```ts ignore
 * const skip = await labSkipReason("drivers/linux");
 * Deno.test({ name: "against the lab", ignore: skip !== undefined }, async () => {});
 * ```
 */
export async function labSkipReason(what: string): Promise<string | undefined> {
  const problems = await labProblems();
  if (problems.length === 0) return undefined;
  const reason = new LabUnavailableError(problems).message;
  if (Deno.env.get("CI") === "true") {
    console.error(`${what}: CI=true and ${reason}: the lab tests will fail`);
    return undefined;
  }
  console.warn(`${what}: SKIPPING lab tests: ${reason}`);
  return reason;
}

function defaultStateRoot(): string {
  if (HERE.protocol === "file:") {
    const root = decodeURIComponent(new URL("../../.lab/", HERE).pathname);
    // A unix socket path is limited to 108 bytes: keep room for "<id>/bus".
    if (root.length < 80) return root;
  }
  return `${Deno.env.get("TMPDIR") ?? "/tmp"}/${LAB_DIR_MARK}/`;
}

function busConfig(template: string, dir: string): string {
  return template
    .replace(/<listen>[^<]*<\/listen>/, `<listen>unix:path=${dir}/bus</listen>`)
    .replace(/<user>[^<]*<\/user>/, "")
    .replace(/<pidfile>[^<]*<\/pidfile>/, "")
    .replace(/<fork\s*\/>/, "")
    .replace(/<syslog\s*\/>/, "")
    // No service activation: nothing (nm-dispatcher, polkit, ...) is ever started on the host's behalf.
    .replace(/<standard_system_servicedirs\s*\/>/, "")
    .replace(/<servicehelper>[^<]*<\/servicehelper>/, "")
    .replace(
      "<includedir>system.d</includedir>",
      "<includedir>/usr/share/dbus-1/system.d</includedir>",
    )
    // Tests may stand in for ModemManager on this private bus (the host's ModemManager is never involved).
    .replace(
      "</busconfig>",
      '<policy user="root"><allow own="org.freedesktop.ModemManager1"/>' +
        '<allow send_destination="org.freedesktop.ModemManager1"/></policy>\n</busconfig>',
    );
}

function nmConfig(dir: string, interval: number): string {
  const lines = [
    "[main]",
    "plugins=keyfile",
    "auth-polkit=false",
    "dns=none",
    "rc-manager=unmanaged",
    "hostname-mode=none",
    "no-auto-default=*",
    "",
    "[keyfile]",
    `path=${dir}/connections`,
    "unmanaged-devices=*,except:interface-name:ns-*",
    "",
    "[device]",
    "carrier-wait-timeout=500",
    "",
  ];
  if (interval > 0) {
    lines.push(
      "[connectivity]",
      "enabled=true",
      `uri=http://${CONNECTIVITY_ADDRESS}/nm`,
      "response=NetworkManager is online",
      `interval=${interval}`,
      "",
    );
  }
  return lines.join("\n");
}

function keyfile(ap: LabAccessPoint, priority: number): string {
  return [
    "[connection]",
    `id=${ap.name}`,
    `uuid=${ap.uuid}`,
    "type=ethernet",
    `interface-name=${ap.interface}`,
    `autoconnect=${ap.autoconnect}`,
    `autoconnect-priority=${priority}`,
    `metered=${ap.metered ? 1 : 2}`,
    "",
    "[ethernet]",
    "",
    "[ipv4]",
    `address1=${ap.address}/${ap.prefix},${ap.peerAddress}`,
    "method=manual",
    "",
    "[ipv6]",
    "method=disabled",
    "",
  ].join("\n");
}

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

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A running lab. Get one from {@linkcode startLab}; stop it with {@linkcode Lab.stop} or `await using`.
 *
 * @example
 * ```ts ignore
 * await using lab = await startLab();
 * await lab.nmcli("con", "up", "lab-a");
 * await lab.peerDown("lab-a"); // carrier lost
 * ```
 */
export class Lab implements AsyncDisposable {
  /** Short random id of this lab (part of every namespace name). */
  readonly id: string;
  /** Directory holding the lab's state, configuration and logs. */
  readonly dir: string;
  /** D-Bus address of the lab's private system bus. */
  readonly busAddress: string;
  /** Network namespace of NetworkManager (and of the `ns-*` interfaces). */
  readonly namespace: string;
  /** The access points, in order. */
  readonly accessPoints: readonly LabAccessPoint[];
  /** Connection UUIDs by connection name. */
  readonly uuids: Readonly<Record<string, string>>;
  /** Interface names (in NetworkManager's namespace) by connection name. */
  readonly interfaces: Readonly<Record<string, string>>;
  #record: LabRecord;
  #children = new Map<string, Deno.ChildProcess>();
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #python: string;
  #onUnload = () => this.#stopSync();

  /** @internal use {@linkcode startLab}. */
  constructor(record: LabRecord, python: string) {
    this.id = record.id;
    this.dir = record.dir;
    this.busAddress = record.busAddress;
    this.namespace = record.namespaces[0];
    this.accessPoints = record.accessPoints;
    this.uuids = Object.fromEntries(
      record.accessPoints.map((a) => [a.name, a.uuid]),
    );
    this.interfaces = Object.fromEntries(
      record.accessPoints.map((a) => [a.name, a.interface]),
    );
    this.#record = record;
    this.#python = python;
    if (!record.persistent) {
      globalThis.addEventListener("unload", this.#onUnload);
    }
  }

  /** Environment for clients of the lab's bus (`DBUS_SYSTEM_BUS_ADDRESS`). */
  get env(): Record<string, string> {
    return { DBUS_SYSTEM_BUS_ADDRESS: this.busAddress };
  }

  /** Pid of the lab's NetworkManager, or undefined while it is not running. */
  get networkManagerPid(): number | undefined {
    const pid = this.#record.pids.nm;
    return pid && processAlive(pid) ? pid : undefined;
  }

  /** Whether {@linkcode Lab.stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The access point with this connection name (or interface name). Throws when unknown. */
  accessPoint(name: string): LabAccessPoint {
    const ap = this.accessPoints.find((a) => a.name === name || a.interface === name || a.uuid === name);
    if (!ap) {
      throw new Error(
        `lab: no access point "${name}" (have ${this.accessPoints.map((a) => a.name)})`,
      );
    }
    return ap;
  }

  /** Runs `nmcli` against the lab's bus; resolves to its stdout, rejects with its stderr on failure. */
  nmcli(...args: string[]): Promise<string> {
    return runOk("nmcli", args, this.env);
  }

  /** Runs a command inside NetworkManager's network namespace; resolves to its stdout. */
  exec(...cmd: string[]): Promise<string> {
    return runOk("ip", ["netns", "exec", this.namespace, ...cmd]);
  }

  /** Takes the access point's end of the link down (NetworkManager sees the carrier go). */
  peerDown(name: string): Promise<void> {
    return this.#setPeerLink(name, "down");
  }

  /** Brings the access point's end of the link back up. */
  peerUp(name: string): Promise<void> {
    return this.#setPeerLink(name, "up");
  }

  async #setPeerLink(name: string, state: "up" | "down"): Promise<void> {
    const ap = this.accessPoint(name);
    await runOk("ip", ["-n", ap.peerNamespace, "link", "set", ap.peerInterface, state]);
  }

  /** Sets what the access point answers to NetworkManager's connectivity check. */
  async setConnectivity(name: string, mode: LabConnectivity): Promise<void> {
    const ap = this.accessPoint(name);
    await Deno.writeTextFile(
      `${this.dir}/${ap.peerInterface}.mode`,
      mode + "\n",
    );
  }

  /**
   * Downloads `bytes` bytes from the access point over its link (inside the lab namespaces only).
   * The connection must be up. Resolves to the number of bytes received.
   */
  async traffic(name: string, bytes = 100_000): Promise<number> {
    const ap = this.accessPoint(name);
    const code =
      `import urllib.request as u; print(len(u.urlopen("http://${ap.peerAddress}/bytes/${bytes}", ` +
      `timeout=5).read()))`;
    return Number((await this.exec(this.#python, "-c", code)).trim());
  }

  /** The tail of NetworkManager's log (for failure messages). */
  async log(lines = 60): Promise<string> {
    try {
      const text = await Deno.readTextFile(`${this.dir}/nm.log`);
      return text.split("\n").slice(-lines - 1).join("\n");
    } catch {
      return "";
    }
  }

  /** Stops NetworkManager (SIGTERM by default) and waits until it is gone. */
  async killNetworkManager(
    signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
  ): Promise<void> {
    const pid = this.#record.pids.nm;
    if (!pid) return;
    const child = this.#children.get("nm");
    if (processAlive(pid) && processCmdline(pid).includes(this.dir)) {
      try {
        Deno.kill(pid, signal);
      } catch { /* gone */ }
      const deadline = Date.now() + 5000;
      while (processAlive(pid) && Date.now() < deadline) await sleep(5);
      if (processAlive(pid)) await terminate(pid, this.dir, 0);
    }
    if (child) await child.status.catch(() => {});
    this.#children.delete("nm");
    delete this.#record.pids.nm;
    await this.#save();
  }

  /** Starts NetworkManager (again) and waits until it owns its bus name and its devices are ready. */
  async startNetworkManager(timeout = 15000): Promise<void> {
    if (this.networkManagerPid) return;
    const dir = this.dir;
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
    const child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        this.namespace,
        "unshare",
        "-m",
        "sh",
        "-c",
        script,
      ],
      env: this.env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    if (this.#record.persistent) child.unref();
    this.#children.set("nm", child);
    this.#record.pids.nm = child.pid;
    await this.#save();
    const deadline = Date.now() + timeout;
    // 1. NetworkManager owns its bus name.
    for (;;) {
      const r = await run("dbus-send", [
        `--bus=${this.busAddress}`,
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
      if (!processAlive(child.pid)) {
        throw new Error(
          `lab: NetworkManager exited during start-up:\n${await this.log()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `lab: NetworkManager did not start:\n${await this.log()}`,
        );
      }
      await sleep(20);
    }
    // 2. Its devices left "unmanaged"/"unavailable" (carrier seen) and the connections are loaded.
    const ifaces = new Set(this.accessPoints.map((a) => a.interface));
    for (;;) {
      const out = (await run("nmcli", ["-t", "-f", "DEVICE,STATE", "device"], this.env))
        .stdout;
      const states = new Map(
        out.trim().split("\n").map((l) => l.split(":") as [string, string]),
      );
      const ready = [...ifaces].every((i) => {
        const s = states.get(i) ?? "";
        return s === "disconnected" || s.startsWith("connect") ||
          s === "unavailable" && this.#peerIsDown(i);
      });
      if (ready) break;
      if (Date.now() > deadline) {
        throw new Error(
          `lab: devices not ready (${out.trim().replaceAll("\n", ", ")}):\n${await this.log()}`,
        );
      }
      await sleep(20);
    }
  }

  #peerDownCache = new Set<string>();
  #peerIsDown(iface: string): boolean {
    return this.#peerDownCache.has(iface);
  }

  /** Stops NetworkManager and starts it again (its active connections are kept, as on a real restart). */
  async restartNetworkManager(): Promise<void> {
    // Remember which peers are down: their devices stay "unavailable" after the restart.
    this.#peerDownCache.clear();
    for (const ap of this.accessPoints) {
      const out = await run("ip", [
        "-n",
        ap.peerNamespace,
        "-o",
        "link",
        "show",
        ap.peerInterface,
      ]);
      if (!/[<,]UP[,>]/.test(out.stdout)) this.#peerDownCache.add(ap.interface);
    }
    await this.killNetworkManager();
    await this.startNetworkManager();
  }

  /** Tears everything down: processes (by the pids it started), namespaces, state. Idempotent. */
  stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopped = true;
      globalThis.removeEventListener("unload", this.#onUnload);
      this.#stopping = (async () => {
        const order = [
          "nm",
          ...Object.keys(this.#record.pids).filter((k) => k !== "nm" && k !== "bus"),
          "bus",
        ];
        for (const key of order) {
          const pid = this.#record.pids[key];
          if (pid) await terminate(pid, this.dir);
          const child = this.#children.get(key);
          if (child) await child.status.catch(() => {});
        }
        this.#children.clear();
        await teardownRecord(this.#record);
      })();
    }
    return this.#stopping;
  }

  /** Same as {@linkcode Lab.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Last-resort cleanup when the process exits without calling stop(). */
  #stopSync() {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const pid of Object.values(this.#record.pids)) {
      if (processAlive(pid) && processCmdline(pid).includes(this.dir)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    }
    for (const ns of this.#record.namespaces) {
      new Deno.Command("ip", {
        args: ["netns", "del", ns],
        stdout: "null",
        stderr: "null",
      }).outputSync();
    }
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch { /* gone */ }
  }

  #save(): Promise<void> {
    return Deno.writeTextFile(
      `${this.dir}/lab.json`,
      JSON.stringify(this.#record, null, 2),
    );
  }

  /** @internal */
  _adopt(key: string, child: Deno.ChildProcess) {
    this.#children.set(key, child);
    this.#record.pids[key] = child.pid;
    if (this.#record.persistent) child.unref();
  }

  /** @internal */
  _save(): Promise<void> {
    return this.#save();
  }
}

async function teardownRecord(record: LabRecord): Promise<void> {
  for (const pid of Object.values(record.pids)) {
    await terminate(pid, record.dir);
  }
  for (const ns of record.namespaces) await run("ip", ["netns", "del", ns]);
  await Deno.remove(record.dir, { recursive: true }).catch(() => {});
}

function accessPointOptions(
  o: LabOptions["accessPoints"],
): LabAccessPointOptions[] {
  if (Array.isArray(o)) return [...o];
  const n = typeof o === "number" ? o : 2;
  if (!Number.isInteger(n) || n < 1 || n > 26) {
    throw new RangeError(`lab: accessPoints must be 1..26, got ${n}`);
  }
  return Array.from({ length: n }, (_, i) => ({ metered: i === 1 }));
}

/**
 * Starts a lab: private bus, private NetworkManager, access points, saved connections (`lab-a`, `lab-b` metered,
 * ... all `autoconnect no` unless asked). Resolves once every connection can be brought up at once.
 * Throws {@linkcode LabUnavailableError} when the machine cannot run it.
 *
 * @example
 * ```ts ignore
 * await using lab = await startLab({ accessPoints: 3 });
 * await lab.nmcli("connection", "up", "lab-c");
 * ```
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const problems = await labProblems();
  if (problems.length) throw new LabUnavailableError(problems);
  trace("prerequisites checked");
  // The system python first: a version-manager shim (pyenv) costs most of a second per start.
  const python = (await Deno.stat("/usr/bin/python3").then(
    () => "/usr/bin/python3",
    () => undefined,
  )) ??
    (await which("python3"))!;
  const stateRoot = options.stateRoot ?? defaultStateRoot();
  await Deno.mkdir(stateRoot, { recursive: true });
  await reapStaleLabs(stateRoot).catch(() => {});
  const id = randomId();
  const dir = `${stateRoot.replace(/\/+$/, "")}/${id}`;
  const timeout = options.timeout ?? 15000;
  const apOptions = accessPointOptions(options.accessPoints);
  const names = new Set<string>();
  const accessPoints: LabAccessPoint[] = apOptions.map((o, i) => {
    const letter = String.fromCharCode(97 + i);
    const name = o.name ?? `lab-${letter}`;
    if (names.has(name)) {
      throw new Error(`lab: duplicate access point name ${name}`);
    }
    names.add(name);
    return {
      name,
      uuid: crypto.randomUUID(),
      interface: `ns-${letter}`,
      ifindex: 101 + i,
      peerInterface: `ap${letter}`,
      peerNamespace: `nsl-${id}-${letter}`,
      address: `10.77.${i + 1}.2`,
      peerAddress: `10.77.${i + 1}.1`,
      prefix: 24,
      metered: o.metered ?? false,
      autoconnect: o.autoconnect ?? false,
    };
  });
  const record: LabRecord = {
    id,
    dir,
    ownerPid: Deno.pid,
    persistent: options.persistent ?? false,
    namespaces: [`nsl-${id}`, ...accessPoints.map((a) => a.peerNamespace)],
    pids: {},
    busAddress: "",
    accessPoints,
  };
  for (const sub of ["run", "varlib", "lib", "connections", "conf.d"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true, mode: 0o700 });
  }
  await Deno.writeTextFile(`${dir}/lab.json`, JSON.stringify(record, null, 2));
  const lab = new Lab(record, python);
  try {
    const [nmNs] = record.namespaces;
    // Namespaces and links.
    for (const ns of record.namespaces) await runOk("ip", ["netns", "add", ns]);
    await runOk("ip", ["-n", nmNs, "link", "set", "lo", "up"]);
    const pyScript = decodeURIComponent(new URL("ap_http.py", HERE).pathname);
    let serverScript = pyScript;
    if (HERE.protocol !== "file:") {
      serverScript = `${dir}/ap_http.py`;
      await Deno.writeTextFile(
        serverScript,
        await (await fetch(new URL("ap_http.py", HERE))).text(),
      );
    }
    await Promise.all(accessPoints.map(async (ap, i) => {
      const ns = ap.peerNamespace;
      await runOk("ip", [
        "-n",
        nmNs,
        "link",
        "add",
        ap.interface,
        "index",
        String(ap.ifindex),
        "type",
        "veth",
        "peer",
        "name",
        ap.peerInterface,
        "netns",
        ns,
        "index",
        String(201 + i),
      ]);
      await runOk("ip", ["-n", ns, "link", "set", "lo", "up"]);
      await runOk("ip", [
        "-n",
        ns,
        "addr",
        "add",
        `${ap.peerAddress}/${ap.prefix}`,
        "dev",
        ap.peerInterface,
      ]);
      await runOk("ip", [
        "-n",
        ns,
        "addr",
        "add",
        `${CONNECTIVITY_ADDRESS}/32`,
        "dev",
        "lo",
      ]);
      await runOk("ip", ["-n", ns, "link", "set", ap.peerInterface, "up"]);
      await Deno.writeTextFile(`${dir}/${ap.peerInterface}.mode`, "full\n");
      const child = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          "sh",
          "-c",
          `exec "$0" "$@" 2>>${shQuote(`${dir}/http-${ap.peerInterface}.log`)}`,
          python,
          serverScript,
          "0.0.0.0",
          "80",
          `${dir}/${ap.peerInterface}.mode`,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      lab._adopt(`http-${ap.peerInterface}`, child);
      const reader = child.stdout.getReader();
      await readLines(reader, 1, timeout, `the HTTP server of ${ap.name}`);
      reader.releaseLock();
      await child.stdout.cancel();
    }));
    trace("access points up");
    // The private bus.
    const template = await Deno.readTextFile("/usr/share/dbus-1/system.conf");
    await Deno.writeTextFile(
      `${dir}/bus.conf`,
      assertBusConfig(busConfig(template, dir)),
    );
    const bus = new Deno.Command("sh", {
      args: [
        "-c",
        `exec dbus-daemon --config-file=${
          shQuote(`${dir}/bus.conf`)
        } --nofork --print-address=1 --print-pid=1` +
        ` 2>>${shQuote(`${dir}/bus.log`)}`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    lab._adopt("bus", bus);
    const reader = bus.stdout.getReader();
    // Both lines (address, pid) must be read before the pipe is closed, or dbus-daemon dies writing the pid.
    const lines = (await readLines(reader, 2, timeout, "dbus-daemon")).trim()
      .split("\n");
    reader.releaseLock();
    await bus.stdout.cancel();
    record.busAddress = lines[0];
    (lab as { busAddress: string }).busAddress = lines[0];
    trace("bus up");
    // Saved connections, as keyfiles (NetworkManager reads them at start).
    for (const [i, ap] of accessPoints.entries()) {
      const path = `${dir}/connections/${ap.name}.nmconnection`;
      await Deno.writeTextFile(
        path,
        keyfile(ap, apOptions[i].autoconnectPriority ?? 0),
        { mode: 0o600 },
      );
      await Deno.chmod(path, 0o600);
    }
    await Deno.writeTextFile(
      `${dir}/nm.conf`,
      nmConfig(dir, options.connectivityInterval ?? 10),
    );
    await lab._save();
    await lab.startNetworkManager(timeout);
    trace("NetworkManager ready");
    return lab;
  } catch (e) {
    await lab.stop().catch(() => {});
    throw e;
  }
}

function assertBusConfig(conf: string): string {
  if (
    !conf.includes("<listen>unix:path=") ||
    conf.includes("<includedir>system.d</includedir>")
  ) {
    throw new Error(
      "lab: unexpected /usr/share/dbus-1/system.conf layout (cannot make a private bus config)",
    );
  }
  return conf;
}

async function readRecords(stateRoot: string): Promise<LabRecord[]> {
  const out: LabRecord[] = [];
  try {
    for await (const e of Deno.readDir(stateRoot)) {
      if (!e.isDirectory) continue;
      try {
        out.push(
          JSON.parse(
            await Deno.readTextFile(`${stateRoot}/${e.name}/lab.json`),
          ),
        );
      } catch { /* not a lab */ }
    }
  } catch { /* no root */ }
  return out;
}

/**
 * Tears down labs left behind by processes that died without stopping them (never a lab still owned by a
 * running process, nor a persistent one). Resolves to the ids removed.
 *
 * @example
 * ```ts ignore
 * console.log(await reapStaleLabs());
 * ```
 */
export async function reapStaleLabs(
  stateRoot: string = defaultStateRoot(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const r of await readRecords(stateRoot)) {
    if (r.persistent || processAlive(r.ownerPid)) continue;
    await teardownRecord(r);
    removed.push(r.id);
  }
  return removed;
}

async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const root = defaultStateRoot();
  switch (cmd) {
    case "up": {
      const n = Number(rest.find((a) => /^\d+$/.test(a)) ?? 2);
      const t0 = performance.now();
      const lab = await startLab({ accessPoints: n, persistent: true });
      console.log(JSON.stringify(
        {
          id: lab.id,
          dir: lab.dir,
          busAddress: lab.busAddress,
          namespace: lab.namespace,
          networkManagerPid: lab.networkManagerPid,
          accessPoints: lab.accessPoints,
          startedInMs: Math.round(performance.now() - t0),
        },
        null,
        2,
      ));
      console.error(
        `\nexport DBUS_SYSTEM_BUS_ADDRESS='${lab.busAddress}'  # then: nmcli con up lab-a`,
      );
      console.error(`stop with: deno run -A scripts/lab/lab.ts down ${lab.id}`);
      return 0;
    }
    case "down": {
      const records = await readRecords(root);
      const which = rest[0] ?? "--all";
      const chosen = which === "--all"
        ? records
        : which === "--stale"
        ? records.filter((r) => !r.persistent && !processAlive(r.ownerPid))
        : records.filter((r) => r.id === which);
      if (which !== "--all" && which !== "--stale" && chosen.length === 0) {
        console.error(`no lab ${which} under ${root}`);
        return 1;
      }
      for (const r of chosen) {
        await teardownRecord(r);
        console.log(`stopped lab ${r.id}`);
      }
      return 0;
    }
    case "status": {
      const records = await readRecords(root);
      if (records.length === 0) console.log(`no labs under ${root}`);
      for (const r of records) {
        const alive = Object.entries(r.pids).map(([k, p]) => `${k}:${p}${processAlive(p) ? "" : "(dead)"}`);
        console.log(
          `${r.id} ${
            r.persistent ? "persistent" : `owner ${r.ownerPid}${processAlive(r.ownerPid) ? "" : "(dead)"}`
          }` +
            ` bus=${r.busAddress} namespaces=${r.namespaces.join(",")} ${alive.join(" ")}`,
        );
      }
      return 0;
    }
    default:
      console.error(
        "usage: deno run -A scripts/lab/lab.ts up [N] | down [id|--all|--stale] | status",
      );
      return 2;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    Deno.exit(1);
  }
}
