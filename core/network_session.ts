/**
 * {@linkcode NetworkSession}: an application's hold on a network
 * configuration. It applies the pure state machine of `session_machine.ts`
 * and carries out its effects through the manager (leases, events).
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import { stateRank } from "./configuration.ts";
import type { DriverError } from "./driver.ts";
import { Emitter } from "./emitter.ts";
import type { NetworkConfigurationManager } from "./manager.ts";
import { WEAK_SIGNAL } from "./manager.ts";
import {
  heldAccessPoints,
  initialSessionModel,
  type SessionEffect,
  type SessionInput,
  type SessionModel,
  type SessionPhase,
  transition,
} from "./session_machine.ts";
import type { NetworkInterface, SessionError, SessionState, Subscription, UsagePolicy } from "./types.ts";

/**
 * Listener signatures of {@linkcode NetworkSession} events.
 *
 * @example
 * ```ts
 * import type { SessionEvents } from "@netsession/core";
 * const onState: SessionEvents["stateChanged"] = (s) => console.log(s);
 * ```
 */
export interface SessionEvents {
  /** The session opened (`isOpen` became true). */
  opened: () => void;
  /** The session closed (by `close()`, `stop()`, or because the link went). */
  closed: () => void;
  /** A roam finished: the new access point is up. Call `accept()` or `reject()`. */
  newConfigurationActivated: () => void;
  /** `state` changed. */
  stateChanged: (state: SessionState) => void;
  /** An error occurred; see `error` and `errorString`. */
  error: (error: SessionError) => void;
  /** A better access point is available: call `migrate()` or `ignore()`. Listening makes the session an ALR stakeholder. */
  preferredConfigurationChanged: (event: PreferredConfigurationChange) => void;
  /** The usage policies in force changed. */
  usagePoliciesChanged: (policies: readonly UsagePolicy[]) => void;
}

/**
 * Payload of `preferredConfigurationChanged`.
 *
 * @example
 * ```ts
 * import type { PreferredConfigurationChange } from "@netsession/core";
 * const show = (e: PreferredConfigurationChange) => `${e.configuration.name} seamless=${e.isSeamless}`;
 * ```
 */
export interface PreferredConfigurationChange {
  /** The access point the session could move to. */
  readonly configuration: NetworkConfiguration;
  /** Whether moving keeps the session's address. */
  readonly isSeamless: boolean;
}

/**
 * Session property keys with a defined meaning.
 *
 * @example
 * ```ts
 * import type { SessionPropertyKey } from "@netsession/core";
 * const k: SessionPropertyKey = "ActiveConfiguration";
 * ```
 */
export type SessionPropertyKey =
  | "ActiveConfiguration"
  | "UserChoiceConfiguration"
  | "ConnectInBackground"
  | "AutoCloseSessionTimeout";

const READ_ONLY = new Set(["ActiveConfiguration", "UserChoiceConfiguration"]);

/**
 * A session on a network configuration. Opening it registers the
 * application's use of the link (the session counter): the link comes up if
 * needed and stays up while any session holds it.
 *
 * @example
 * ```ts
 * import { NetworkConfigurationManager, NetworkSession } from "@netsession/core";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 *
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan", bearer: "wlan" });
 * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
 * using session = new NetworkSession(manager.configurationFromIdentifier("wlan"));
 * session.on("stateChanged", (s) => console.log("state", s));
 * const opened = session.open();
 * await world.advance(500);
 * console.log(await opened, session.isOpen, session.sessionProperty("ActiveConfiguration")); // true true "wlan"
 * ```
 */
export class NetworkSession {
  #manager: NetworkConfigurationManager;
  #configuration: NetworkConfiguration;
  /** For user-choice configurations: what `open()` resolved to. */
  #resolved: NetworkConfiguration | undefined;
  #model: SessionModel;
  #emitter: Emitter<SessionEvents>;
  #queue: SessionInput[] = [];
  #busy = false;
  #settlers: Array<(opened: boolean) => void> = [];
  #error: SessionError | undefined;
  #errorString = "";
  #openedAt: number | undefined;
  #policies: readonly UsagePolicy[] = [];
  #properties = new Map<string, unknown>([["AutoCloseSessionTimeout", -1]]);
  #registered = false;
  #closingWork: Promise<unknown>[] = [];

  /** Creates a session on `configuration` (from a manager; the invalid configuration gives an invalid session). */
  constructor(configuration: NetworkConfiguration) {
    const manager = configuration?.owner as NetworkConfigurationManager | undefined;
    if (!manager || typeof (manager as { lookup?: unknown }).lookup !== "function") {
      throw new TypeError(
        "new NetworkSession(configuration): pass a configuration obtained from a NetworkConfigurationManager",
      );
    }
    this.#manager = manager;
    this.#configuration = configuration;
    this.#emitter = new Emitter<SessionEvents>(manager.onListenerError, () => this.#updateRegistration());
    this.#model = initialSessionModel(this.#restingState());
    this.#policies = this.#computePolicies();
  }

  // ---------------------------------------------------------------- reading

  /** The configuration this session was created on. */
  get configuration(): NetworkConfiguration {
    return this.#configuration;
  }

  /** The session state. */
  get state(): SessionState {
    if (this.#model.phase === "idle" && !this.#registered) return this.#restingState();
    return this.#model.state;
  }

  /** The last error, or undefined if none occurred. */
  get error(): SessionError | undefined {
    return this.#error;
  }

  /** A human-readable description of the last error (`""` if none). */
  get errorString(): string {
    return this.#errorString;
  }

  /** Whether this session is open (registered its use of the link). */
  get isOpen(): boolean {
    return this.#model.phase === "open";
  }

  /** The interface in use; only while connected (or roaming). */
  get interface(): NetworkInterface | undefined {
    const state = this.state;
    if (state !== "connected" && state !== "roaming") return undefined;
    const ap = this.#currentAccessPoint();
    const data = ap?.data;
    if (!data?.interface || ap!.state !== "active") return undefined;
    const sn = this.#serviceNetwork();
    if (sn?.data?.seamless && sn.data.virtualAddresses?.length) {
      return { ...data.interface, addresses: [...sn.data.virtualAddresses] };
    }
    return data.interface;
  }

  /** Seconds since the session opened; 0 when not open. */
  get activeTime(): number {
    if (this.#openedAt === undefined || !this.isOpen) return 0;
    return Math.floor((this.#manager.clock.now() - this.#openedAt) / 1000);
  }

  /** Bytes received on the interface(s) in use, across all sessions; 0 without `data-statistics`. */
  get bytesReceived(): number {
    return this.#statistics().bytesReceived;
  }

  /** Bytes sent on the interface(s) in use, across all sessions; 0 without `data-statistics`. */
  get bytesWritten(): number {
    return this.#statistics().bytesWritten;
  }

  /** Usage policies in force for this session: system-wide ones plus the link's (metered). */
  get usagePolicies(): readonly UsagePolicy[] {
    return this.#policies;
  }

  /** @internal the service network this session acts for, if any. */
  get serviceNetworkIdentifier(): string | undefined {
    return this.#serviceNetwork()?.identifier;
  }

  /**
   * Where the session is in its life: `"idle"` (not open), `"opening"`,
   * `"open"` or `"closing"` (releasing its links). A session that was opened
   * is done with its links once it is back to `"idle"`.
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * const session = manager.createSession(manager.configurationFromIdentifier("wlan"));
   * session.open();
   * console.log(session.phase); // "opening"
   * ```
   */
  get phase(): SessionPhase {
    return this.#model.phase;
  }

  /** @internal the machine's model (read-only; for the core's own tests). */
  get model(): SessionModel {
    return this.#model;
  }

  /**
   * A session property: `ActiveConfiguration` (the access point in use while
   * open, else `""`), `UserChoiceConfiguration` (what a user-choice
   * configuration resolved to while open, else `""`), `ConnectInBackground`,
   * `AutoCloseSessionTimeout` (default -1), or any custom key.
   */
  sessionProperty(key: SessionPropertyKey | (string & Record<never, never>)): unknown {
    if (key === "ActiveConfiguration") {
      return this.isOpen ? this.#inUse() ?? "" : "";
    }
    if (key === "UserChoiceConfiguration") {
      return this.isOpen && this.#configuration.type === "user-choice"
        ? this.#resolved?.identifier ?? ""
        : "";
    }
    return this.#properties.get(key);
  }

  /**
   * Sets (or with `undefined`, removes) a property. `ActiveConfiguration` and
   * `UserChoiceConfiguration` are read-only: setting them throws.
   * `ConnectInBackground` takes a boolean, `AutoCloseSessionTimeout` an
   * integer ≥ -1 (milliseconds; -1 = never). No driver polls, so the time-out
   * is stored and reported but never closes a session by itself.
   */
  setSessionProperty(key: SessionPropertyKey | (string & Record<never, never>), value: unknown): void {
    if (READ_ONLY.has(key)) {
      throw new TypeError(
        `setSessionProperty("${key}"): ${key} is read-only; it is set by the session itself`,
      );
    }
    if (value === undefined) {
      if (key === "AutoCloseSessionTimeout") this.#properties.set(key, -1);
      else this.#properties.delete(key);
      return;
    }
    if (key === "ConnectInBackground" && typeof value !== "boolean") {
      throw new TypeError(
        `setSessionProperty("ConnectInBackground", ${JSON.stringify(value)}): expected true or false`,
      );
    }
    if (key === "AutoCloseSessionTimeout" && (!Number.isInteger(value) || (value as number) < -1)) {
      throw new TypeError(
        `setSessionProperty("AutoCloseSessionTimeout", ${
          JSON.stringify(value)
        }): expected an integer number of milliseconds, or -1 for never`,
      );
    }
    this.#properties.set(key, value);
  }

  // ---------------------------------------------------------------- events

  /** Listens to a session event; see {@linkcode SessionEvents}. */
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): Subscription {
    return this.#emitter.on(event, listener);
  }

  // ---------------------------------------------------------------- actions

  /**
   * Opens the session: raises the session counter and starts the link if
   * needed. Resolves true once open, false on failure (see `error`); never rejects.
   */
  open(): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    const settled = new Promise<boolean>((resolve) => this.#settlers.push(resolve));
    if (this.#configuration.type === "user-choice" && this.#model.phase !== "opening") {
      this.#resolveUserChoice().then(
        (target) => this.#openOn(target),
        (error) =>
          this.#openOn(
            undefined,
            `the user choice could not be resolved: ${error instanceof Error ? error.message : error}`,
          ),
      );
    } else {
      this.#openOn(this.#effective());
    }
    return settled;
  }

  async #resolveUserChoice(): Promise<NetworkConfiguration | undefined> {
    const manager = this.#manager;
    const candidates = manager.allConfigurations("discovered").filter((c) => c.type !== "user-choice");
    const background = this.#properties.get("ConnectInBackground") === true;
    const resolver = manager.options.userChoice;
    if (!background && resolver) {
      const chosen = await resolver({ session: this, candidates });
      if (!chosen) throw new Error("the choice was cancelled");
      if (!chosen.isValid || chosen.type === "user-choice") {
        throw new Error(
          `the resolver returned '${chosen.identifier}', which is not an access point or service network`,
        );
      }
      return chosen;
    }
    const d = manager.defaultConfiguration();
    if (!d.isValid || stateRank(d.state) < 2) {
      throw new Error(
        background
          ? "ConnectInBackground is set and no configuration is in range; bring an access point into range and retry"
          : "no configuration is in range",
      );
    }
    return d;
  }

  #openOn(target: NetworkConfiguration | undefined, failure?: string): void {
    if (this.#configuration.type === "user-choice") this.#resolved = target;
    if (failure !== undefined || !target) {
      this.#dispatch({ type: "open", targetActive: false, failure: failure ?? "nothing to connect to" });
      return;
    }
    const check = this.#openTarget(target);
    if (typeof check === "string") {
      this.#dispatch({ type: "open", targetActive: false, failure: check });
      return;
    }
    this.#dispatch({ type: "open", target: check.identifier, targetActive: check.state === "active" });
  }

  /** The access point `open()` should use, or a reason why there is none. */
  #openTarget(c: NetworkConfiguration): NetworkConfiguration | string {
    if (!c.isValid) {
      return `'${
        this.#configuration.identifier || "(invalid)"
      }' is not a valid configuration; pick one from manager.allConfigurations()`;
    }
    if (c.type === "service-network") {
      const member = this.#preferredMember(c, undefined);
      if (!member) {
        return `no member of service network '${c.name}' is in range; wait for one to be discovered`;
      }
      return member;
    }
    if (stateRank(c.state) < 2) {
      return `'${c.name}' is defined but not discovered (out of range); wait until it is discovered`;
    }
    return c;
  }

  /** Waits until open, up to `ms` milliseconds (-1: no time-out). False at once unless connecting or open. */
  waitForOpened(ms = 30000): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    if (this.#model.phase !== "opening") return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: unknown;
      let done = false;
      const finish = (value: boolean) => {
        if (done) return;
        done = true;
        if (timer !== undefined) this.#manager.clock.clearTimeout(timer);
        resolve(value);
      };
      this.#settlers.push(finish);
      if (ms >= 0) timer = this.#manager.clock.setTimeout(() => finish(false), ms);
    });
  }

  /**
   * Lowers the session counter. The link goes down only when this was its
   * last holder; otherwise the state stays `connected` and `closed` is emitted at once.
   */
  close(): void {
    const m = this.#model;
    const held = heldAccessPoints(m);
    const lastHolder = held.length > 0 && held.every((id) => this.#manager.leases.count(id) <= 1);
    this.#dispatch({ type: "close", lastHolder, restingState: this.#restingState() });
  }

  /** Takes the link down at once; every other session on it gets `closed` and `session-aborted`. */
  stop(): void {
    const active = this.#effective();
    let target: string | undefined;
    if (active?.type === "internet-access-point" && active.state === "active") target = active.identifier;
    else if (active?.type === "service-network") {
      target = active.children.find((c) => c.state === "active")?.identifier;
    }
    this.#dispatch({ type: "stop", target, restingState: this.#restingState() });
  }

  /** Roams to the offered access point (after `preferredConfigurationChanged`). */
  migrate(): void {
    this.#dispatch({ type: "migrate" });
  }

  /** Declines the offered access point; it is not offered again until something changes. */
  ignore(): void {
    this.#dispatch({ type: "ignore", restingState: this.#restingState() });
  }

  /** Keeps the new access point (after `newConfigurationActivated`) and lets the old one go. */
  accept(): void {
    this.#dispatch({ type: "accept" });
  }

  /**
   * Returns to the previous access point (after `newConfigurationActivated`) and lets the new one go. When
   * starting the new access point took the old one down (one device for both), the old one is started again
   * first (state `roaming` until it is up); if it cannot come back the session stays on the new one with error
   * `roaming`.
   */
  reject(): void {
    this.#dispatch({ type: "reject", fromAvailable: this.#roamFromAvailable() });
  }

  /** Whether the access point a roam is leaving could be started (again) now. */
  #roamFromAvailable(): boolean {
    const from = this.#model.roam?.from;
    const c = from === undefined ? undefined : this.#manager.lookup(from);
    return c !== undefined && stateRank(c.state) >= stateRank("discovered");
  }

  /** Closes the session if open and drops every listener. */
  [Symbol.dispose](): void {
    if (this.#model.phase === "open" || this.#model.phase === "opening") this.close();
    this.#emitter.clear();
    this.#updateRegistration();
  }

  // ---------------------------------------------------------------- notifications from the manager

  /** @internal the configuration states changed. */
  notifyObserved(): void {
    const m = this.#model;
    if (m.ignored !== undefined) {
      const ignored = this.#manager.lookup(m.ignored);
      if (!ignored || stateRank(ignored.state) < 2) this.#model = { ...m, ignored: undefined };
    }
    this.#dispatch({ type: "observed", restingState: this.#restingState() });
    this.#checkRoaming();
  }

  /** @internal an access point this session held went down without it asking. */
  notifyLost(identifier: string, message: string, mayRoam = true): void {
    let next: { identifier: string; seamless: boolean; alr: boolean } | undefined;
    const sn = this.#serviceNetwork();
    if (mayRoam && sn && sn.isRoamingAvailable && identifier === this.#model.accessPoint) {
      const mode = this.#manager.roamingMode(this.#emitter.count("preferredConfigurationChanged") > 0);
      const member = mode === "none" ? undefined : this.#preferredMember(sn, identifier);
      if (member) {
        next = { identifier: member.identifier, seamless: sn.data?.seamless ?? false, alr: mode === "alr" };
      }
    }
    this.#dispatch({ type: "lost", identifier, message, restingState: this.#restingState(), next });
  }

  /** @internal a configuration was removed. */
  notifyRemoved(view: NetworkConfiguration): void {
    if (view === this.#configuration || view === this.#resolved) {
      this.#dispatch({ type: "removed", message: `configuration '${view.name}' was removed` });
    }
  }

  // ---------------------------------------------------------------- machinery

  #dispatch(input: SessionInput): void {
    this.#queue.push(input);
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0) {
        const next = this.#queue.shift()!;
        const before = this.#model;
        const { model, effects } = transition(before, next);
        this.#model = model;
        if (model.phase !== "closing") this.#closingWork = [];
        this.#updateRegistration();
        for (const e of effects) this.#apply(e);
        if (before.phase !== "closing" && model.phase === "closing") this.#awaitClosing();
        this.#refreshPolicies();
      }
    } finally {
      this.#busy = false;
    }
  }

  #apply(e: SessionEffect): void {
    const manager = this.#manager;
    switch (e.type) {
      case "acquire":
        manager.leases.acquire(e.identifier, this).then(
          () =>
            this.#dispatch({
              type: "activated",
              identifier: e.identifier,
              fromAvailable: this.#roamFromAvailable(),
            }),
          (error: DriverError) =>
            this.#dispatch({
              type: "activation-failed",
              identifier: e.identifier,
              error: error.code ?? "unknown",
              message: error.message,
              restingState: this.#restingState(),
            }),
        );
        break;
      case "release":
        this.#closingWork.push(
          manager.leases.release(e.identifier, this).catch((error) => this.#deactivationFailed(error)),
        );
        break;
      case "stop":
        this.#closingWork.push(
          manager.stopAccessPoint(e.identifier, this).catch((error) => this.#deactivationFailed(error)),
        );
        break;
      case "state":
        this.#emitter.emit("stateChanged", e.state);
        break;
      case "emit":
        if (e.event === "opened") this.#openedAt = manager.clock.now();
        if (e.event === "closed") this.#openedAt = undefined;
        this.#emitter.emit(e.event);
        break;
      case "error":
        this.#error = e.error;
        this.#errorString = e.message;
        this.#emitter.emit("error", e.error);
        break;
      case "preferred": {
        const configuration = manager.lookup(e.identifier);
        if (configuration) {
          this.#emitter.emit("preferredConfigurationChanged", { configuration, isSeamless: e.seamless });
        }
        break;
      }
      case "settle": {
        const settlers = this.#settlers;
        this.#settlers = [];
        for (const s of settlers) s(e.opened);
        break;
      }
    }
  }

  #deactivationFailed(error: DriverError): void {
    this.#error = error.code ?? "unknown";
    this.#errorString = error.message;
    this.#emitter.emit("error", this.#error);
  }

  #awaitClosing(): void {
    const work = this.#closingWork;
    Promise.allSettled(work).then(() => {
      if (this.#model.phase === "closing") {
        this.#dispatch({ type: "released", restingState: this.#restingState() });
      }
    });
  }

  #updateRegistration(): void {
    const want = this.#model.phase !== "idle" || this.#emitter.size > 0;
    if (want === this.#registered) return;
    this.#registered = want;
    if (want) {
      this.#manager.register(this);
      if (this.#model.phase === "idle") this.#model = { ...this.#model, state: this.#restingState() };
      this.#policies = this.#computePolicies();
    } else {
      this.#manager.unregister(this);
    }
  }

  /** The configuration the session acts on (the resolution of a user choice). */
  #effective(): NetworkConfiguration | undefined {
    if (this.#configuration.type === "user-choice") return this.#resolved;
    return this.#configuration;
  }

  #serviceNetwork(): NetworkConfiguration | undefined {
    const c = this.#effective();
    return c?.type === "service-network" ? c : undefined;
  }

  /** The access point the session's traffic uses: the new one once the old one was displaced by a roam. */
  #inUse(): string | undefined {
    const r = this.#model.roam;
    return r?.fromLost && r.step === "activated" ? r.to : this.#model.accessPoint;
  }

  /** The access point in use (held, or observed for a session that is not open). */
  #currentAccessPoint(): NetworkConfiguration | undefined {
    const held = this.#inUse();
    if (held !== undefined && this.#model.phase !== "idle") return this.#manager.lookup(held);
    const c = this.#effective();
    if (c?.type === "internet-access-point") return c;
    if (c?.type === "service-network") return c.children.find((m) => m.state === "active");
    return undefined;
  }

  #restingState(): SessionState {
    const c = this.#configuration;
    if (!c.isValid) return "invalid";
    const effective = this.#effective() ?? c;
    if (!effective.isValid) return "invalid";
    switch (effective.state) {
      case "active":
        return "connected";
      case "discovered":
        return "disconnected";
      case "defined":
        return "not-available";
      default:
        return "invalid";
    }
  }

  /** Highest-priority member in range, preferring members with a usable signal; `exclude` is skipped. */
  #preferredMember(sn: NetworkConfiguration, exclude: string | undefined): NetworkConfiguration | undefined {
    const inRange = sn.children.filter((c) => c.identifier !== exclude && stateRank(c.state) >= 2);
    return inRange.find((c) => (c.data?.signal ?? 100) >= WEAK_SIGNAL) ?? inRange[0];
  }

  #checkRoaming(): void {
    const m = this.#model;
    if (m.phase !== "open" || m.roam || m.accessPoint === undefined) return;
    const sn = this.#serviceNetwork();
    if (!sn || !sn.isRoamingAvailable) return;
    const best = this.#preferredMember(sn, undefined);
    if (!best || best.identifier === m.accessPoint || best.identifier === m.ignored) return;
    const alrWanted = this.#emitter.count("preferredConfigurationChanged") > 0;
    const mode = this.#manager.roamingMode(alrWanted);
    if (mode === "none") return;
    if (mode === "forced" && this.#manager.options.forcedRoaming === "on-loss") return;
    this.#dispatch({
      type: "preferred",
      identifier: best.identifier,
      seamless: sn.data?.seamless ?? false,
      alr: mode === "alr",
    });
  }

  #computePolicies(): readonly UsagePolicy[] {
    const policies = new Set<UsagePolicy>(this.#manager.usagePolicies());
    // While opening, the link is not the session's yet: its policies apply from `connected` on.
    const ap = this.#model.phase === "opening" ? undefined : this.#currentAccessPoint();
    if (ap?.metered && ap.state === "active") policies.add("no-background-traffic");
    return [...policies].sort();
  }

  #refreshPolicies(): void {
    const next = this.#computePolicies();
    const prev = this.#policies;
    if (next.length === prev.length && next.every((p, i) => p === prev[i])) return;
    this.#policies = next;
    if (this.#registered) this.#emitter.emit("usagePoliciesChanged", next);
  }

  #statistics(): { bytesReceived: number; bytesWritten: number } {
    let rx = 0, tx = 0;
    const c = this.#effective();
    const aps = c?.type === "service-network"
      ? c.children.filter((m) => m.state === "active")
      : this.#currentAccessPoint()
      ? [this.#currentAccessPoint()!]
      : [];
    for (const ap of aps) {
      const s = this.#manager.statistics(ap.identifier);
      if (s) {
        rx += s.bytesReceived;
        tx += s.bytesWritten;
      }
    }
    return { bytesReceived: rx, bytesWritten: tx };
  }
}
