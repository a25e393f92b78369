/**
 * A private, real NetworkManager over virtual Ethernet links, for tests and demos (see `/work/shared/LAB.md`).
 *
 * {@linkcode startLab} starts a private system bus, a NetworkManager in a network and mount namespace of its own,
 * and two or more veth "access points" whose far ends live in namespaces of their own with an address and a tiny
 * HTTP server (connectivity checks, traffic). It installs nothing and never touches the host's networking.
 * The processes are in `processes.ts`, the generated files in `files.ts`, the types in `types.ts`.
 *
 * CLI: `deno run -A scripts/lab/cli.ts up|down [id|--all|--stale]|status`.
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
import {
  accessPointServerScript,
  defaultStateRoot,
  readRecords,
  saveRecord,
  writeBusConfig,
  writeMode,
  writeNetworkManagerFiles,
} from "./files.ts";
import {
  createNamespaces,
  LabProcesses,
  peerLinkUp,
  processAlive,
  run,
  runOk,
  spawnNetworkManager,
  startAccessPoint,
  startBus,
  teardownRecord,
  teardownRecordSync,
  trace,
  waitForNetworkManager,
  which,
} from "./processes.ts";
import type {
  LabAccessPoint,
  LabAccessPointOptions,
  LabConnectivity,
  LabOptions,
  LabRecord,
} from "./types.ts";

export type { LabAccessPoint, LabAccessPointOptions, LabConnectivity, LabOptions } from "./types.ts";

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

function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
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
  /** Network namespace of NetworkManager (and of the `ns-*` interfaces). */
  readonly namespace: string;
  /** The access points, in order. */
  readonly accessPoints: readonly LabAccessPoint[];
  /** Connection UUIDs by connection name. */
  readonly uuids: Readonly<Record<string, string>>;
  /** Interface names (in NetworkManager's namespace) by connection name. */
  readonly interfaces: Readonly<Record<string, string>>;
  #record: LabRecord;
  #processes: LabProcesses;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #python: string;
  #onUnload = () => this.#stopSync();
  #peersDown = new Set<string>();

  /** @internal use {@linkcode startLab}. */
  constructor(record: LabRecord, python: string, processes: LabProcesses) {
    this.id = record.id;
    this.dir = record.dir;
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
    this.#processes = processes;
    if (!record.persistent) {
      globalThis.addEventListener("unload", this.#onUnload);
    }
  }

  /** D-Bus address of the lab's private system bus. */
  get busAddress(): string {
    return this.#record.busAddress;
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

  /**
   * Sets what the access point answers to NetworkManager's connectivity check from now on: `full` (the expected
   * answer), `portal` (a sign-in page) or `limited` (no answer). Each access point answers the check of its own
   * device. NetworkManager sees it at its next check: `CheckConnectivity` (`nmcli networking connectivity check`)
   * or the lab's `connectivityInterval`.
   */
  async setConnectivity(name: string, mode: LabConnectivity): Promise<void> {
    await writeMode(this.dir, this.accessPoint(name), mode);
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
    if (!this.#record.pids.nm) return;
    await this.#processes.kill("nm", signal);
    await saveRecord(this.#record);
  }

  /** Starts NetworkManager (again) and waits until it owns its bus name and its devices are ready. */
  async startNetworkManager(timeout = 15000): Promise<void> {
    if (this.networkManagerPid) return;
    const child = spawnNetworkManager(this.dir, this.namespace, this.env);
    this.#processes.adopt("nm", child);
    await saveRecord(this.#record);
    await waitForNetworkManager({
      pid: child.pid,
      busAddress: this.busAddress,
      env: this.env,
      interfaces: [...new Set(this.accessPoints.map((a) => a.interface))],
      peerIsDown: (iface) => this.#peersDown.has(iface),
      deadline: Date.now() + timeout,
      log: () => this.log(),
    });
  }

  /** Stops NetworkManager and starts it again (its active connections are kept, as on a real restart). */
  async restartNetworkManager(): Promise<void> {
    // Remember which peers are down: their devices stay "unavailable" after the restart.
    this.#peersDown.clear();
    for (const ap of this.accessPoints) {
      if (!(await peerLinkUp(ap))) this.#peersDown.add(ap.interface);
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
        await this.#processes.stopAll();
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
    teardownRecordSync(this.#record);
  }
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
  const accessPoints = makeAccessPoints(apOptions, id);
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
  await saveRecord(record);
  const processes = new LabProcesses(record);
  const lab = new Lab(record, python, processes);
  try {
    // Namespaces and links.
    await createNamespaces(record);
    const serverScript = await accessPointServerScript(dir);
    const start = { processes, dir, namespace: record.namespaces[0], python, serverScript, timeout };
    await Promise.all(accessPoints.map((ap, i) => startAccessPoint(start, ap, i)));
    trace("access points up");
    // The private bus.
    record.busAddress = await startBus(processes, dir, await writeBusConfig(dir), timeout);
    trace("bus up");
    await writeNetworkManagerFiles(
      dir,
      accessPoints,
      apOptions.map((o) => o.autoconnectPriority ?? 0),
      options.connectivityInterval ?? 10,
    );
    await saveRecord(record);
    await lab.startNetworkManager(timeout);
    trace("NetworkManager ready");
    return lab;
  } catch (e) {
    await lab.stop().catch(() => {});
    throw e;
  }
}

/** The access points of lab `id`: `lab-a` on `ns-a` (index 101, 10.77.1.2/24, peer `apa` 10.77.1.1), ... */
function makeAccessPoints(apOptions: readonly LabAccessPointOptions[], id: string): LabAccessPoint[] {
  const names = new Set<string>();
  return apOptions.map((o, i) => {
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

if (import.meta.main) {
  console.error(
    "the lab's CLI is scripts/lab/cli.ts: deno run -A scripts/lab/cli.ts up [N] | down [id|--all|--stale] | status",
  );
  Deno.exit(2);
}
