/**
 * {@linkcode NetworkSession}: an application's hold on a network
 * configuration. It feeds the pure state machine of `session_machine.ts`,
 * asks the pure roaming policy of `roaming_policy.ts` when to roam and where,
 * and carries out the machine's effects through its {@linkcode SessionHost}
 * (the manager: leases, configurations, clock).
 *
 * @module
 */

import {
  accessPointInUse,
  currentAccessPoint,
  linkInterface,
  linkReach,
  NO_REACH,
  reachChange,
  restingState,
  roamFromAvailable,
  roamSituation,
  statisticsLinks,
  stopTarget,
  sumStatistics,
} from "./_session_link.ts";
import { SessionProperties } from "./_session_properties.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import { DEFAULT_CONNECT_TIMEOUT, stateRank } from "./configuration.ts";
import type { DriverError } from "./driver.ts";
import { Emitter } from "./emitter.ts";
import { decideOnChange, decideOnLoss, type RoamSituation } from "./roaming_policy.ts";
import { openInput, resolveUserChoice, settleWithin } from "./_session_open.ts";
import type { SessionEvents, SessionPropertyKey } from "./session_events.ts";
import type { SessionHost } from "./session_host.ts";
import { heldAccessPoints, initialSessionModel, transition } from "./session_machine.ts";
import type { SessionEffect, SessionInput, SessionModel, SessionPhase } from "./session_model.ts";
import type {
  NetworkInterface,
  Reachability,
  SessionError,
  SessionState,
  Subscription,
  UsagePolicy,
} from "./types.ts";
import { type CarrierVerdict, carrierVerdict } from "./reachability.ts";
import { LinkWatch } from "./_link_watch.ts";
import { CarrierTimer } from "./_carrier_timer.ts";

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
  #manager: SessionHost;
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
  #properties = new SessionProperties();
  #registered = false;
  #closingWork: Promise<unknown>[] = [];
  #link: LinkWatch;
  #carrierTimer: CarrierTimer;
  /** A user choice is being resolved (open() called; the machine has not started yet). */
  #resolving = false;

  /** Creates a session on `configuration` (from a manager; the invalid configuration gives an invalid session). */
  constructor(configuration: NetworkConfiguration) {
    const manager = configuration?.owner as SessionHost | undefined;
    if (!manager || typeof (manager as { lookup?: unknown }).lookup !== "function") {
      throw new TypeError(
        "new NetworkSession(configuration): pass a configuration obtained from a NetworkConfigurationManager",
      );
    }
    this.#manager = manager;
    this.#configuration = configuration;
    this.#emitter = new Emitter<SessionEvents>(manager.onListenerError, () => this.#updateRegistration());
    this.#model = initialSessionModel(this.#restingState());
    this.#link = new LinkWatch(this.#emitter);
    this.#carrierTimer = new CarrierTimer(manager.clock);
    this.#refreshLink(false);
  }

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
    return linkInterface(this.#currentAccessPoint(), this.#serviceNetwork());
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

  /** How far the session's link reaches (`"disconnected"` when it has none up; `"unknown"` when the driver cannot tell). */
  get reachability(): Reachability {
    return linkReach(this.#currentAccessPoint()).reachability;
  }

  /** Whether the session's link is behind a captive portal. */
  get behindCaptivePortal(): boolean {
    return linkReach(this.#currentAccessPoint()).captivePortal;
  }

  /**
   * Asks the driver to test now how far the session's link reaches (a
   * connectivity check where the platform has one). Resolves with the answer;
   * `"disconnected"` when the session has no link up.
   */
  checkReachability(): Promise<Reachability> {
    const ap = this.#currentAccessPoint();
    if (!ap || ap.state !== "active") return Promise.resolve("disconnected");
    return this.#manager.checkReachability(ap.identifier);
  }

  /** Usage policies in force for this session: system-wide ones plus the link's (metered). */
  get usagePolicies(): readonly UsagePolicy[] {
    return this.#link.policies;
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
      return this.isOpen ? accessPointInUse(this.#model) ?? "" : "";
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
    this.#properties.set(key, value);
  }

  /** Listens to a session event; see {@linkcode SessionEvents}. */
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): Subscription {
    return this.#emitter.on(event, listener);
  }

  /**
   * Opens the session: raises the session counter and starts the link if
   * needed. Resolves true once open, false on failure (see `error`); never rejects.
   */
  open(): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    const settled = new Promise<boolean>((resolve) => this.#settlers.push(resolve));
    if (this.#configuration.type === "user-choice" && this.#model.phase !== "opening") {
      if (this.#resolving) return settled;
      this.#resolving = true;
      const background = this.#properties.get("ConnectInBackground") === true;
      resolveUserChoice(this.#manager, this, background).finally(() => this.#resolving = false).then(
        (target) => this.#openOn(target),
        (error) =>
          this.#openOn(undefined, `the user choice could not be resolved: ${error?.message ?? error}`),
      );
    } else {
      this.#openOn(this.#effective());
    }
    return settled;
  }

  #openOn(target: NetworkConfiguration | undefined, failure?: string): void {
    if (this.#configuration.type === "user-choice") this.#resolved = target;
    this.#dispatch(openInput(this.#configuration.identifier, target, failure));
  }

  /** Waits until open, up to `ms` milliseconds (-1: no time-out). False at once unless connecting or open. */
  waitForOpened(ms = 30000): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    if (this.#model.phase !== "opening" && !this.#resolving) return Promise.resolve(false);
    return settleWithin(this.#manager.clock, ms, (settle) => this.#settlers.push(settle));
  }

  /**
   * Lowers the session counter. The link goes down only when this was its
   * last holder; otherwise the state stays `connected` and `closed` is emitted at once.
   */
  close(): void {
    const m = this.#model;
    const held = heldAccessPoints(m);
    const lastHolder = held.length > 0 && held.every((id) => this.#manager.holdCount(id) <= 1);
    this.#dispatch({ type: "close", lastHolder, restingState: this.#restingState() });
  }

  /** Takes the link down at once; every other session on it gets `closed` and `session-aborted`. */
  stop(): void {
    const target = stopTarget(this.#effective());
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
    return roamFromAvailable(this.#model, (id) => this.#manager.lookup(id));
  }

  /** Closes the session if open and drops every listener. */
  [Symbol.dispose](): void {
    if (this.#model.phase === "open" || this.#model.phase === "opening") this.close();
    this.#emitter.clear();
    this.#updateRegistration();
  }

  /** @internal the configuration states changed. */
  notifyObserved(): void {
    const m = this.#model;
    if (m.ignored !== undefined) {
      const ignored = this.#manager.lookup(m.ignored);
      if (!ignored || stateRank(ignored.state) < 2) this.#model = { ...m, ignored: undefined };
    }
    this.#dispatch({ type: "observed", restingState: this.#restingState() });
    const r = this.#model.roam;
    if (r?.step === "validating") {
      this.#dispatch({
        type: "carrier",
        identifier: r.to,
        verdict: this.#carrier(r.to),
        ...this.#returnInfo(),
      });
    }
    this.#checkRoaming();
  }

  /** @internal an access point this session held went down without it asking. */
  notifyLost(identifier: string, message: string, mayRoam = true): void {
    const situation = mayRoam ? this.#roamSituation() : undefined;
    const next = situation && decideOnLoss(situation, identifier);
    const fromReach = this.#link.reach;
    this.#dispatch({
      type: "lost",
      identifier,
      message,
      restingState: this.#restingState(),
      next,
      fromReach,
    });
  }

  /** @internal a configuration was removed. */
  notifyRemoved(view: NetworkConfiguration): void {
    if (view === this.#configuration || view === this.#resolved) {
      this.#dispatch({ type: "removed", message: `configuration '${view.name}' was removed` });
    }
  }

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
        this.#refreshLink();
        if (model.roam?.step !== "validating") this.#carrierTimer.stop();
      }
    } finally {
      this.#busy = false;
    }
  }

  #apply(e: SessionEffect): void {
    const manager = this.#manager;
    switch (e.type) {
      case "acquire":
        manager.acquire(e.identifier, this).then(
          () =>
            this.#dispatch({
              type: "activated",
              identifier: e.identifier,
              carrier: this.#model.roam?.forced ? this.#carrier(e.identifier) : undefined,
              ...this.#returnInfo(),
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
          manager.release(e.identifier, this).catch((error) => this.#deactivationFailed(error)),
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
        if (e.event === "newConfigurationActivated") {
          this.#emitter.emit(e.event, reachChange(linkReach(manager.lookup(e.identifier ?? ""))));
        } else this.#emitter.emit(e.event);
        break;
      case "validate": {
        const timeout = manager.lookup(e.identifier)?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
        const input = { type: "carrier", identifier: e.identifier, verdict: "timeout" } as const;
        this.#carrierTimer.start(timeout, () => this.#dispatch({ ...input, ...this.#returnInfo() }));
        break;
      }
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
      this.#refreshLink(false);
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

  /** The access point in use (held, or observed for a session that is not open). */
  #currentAccessPoint(): NetworkConfiguration | undefined {
    return currentAccessPoint(this.#model, this.#effective(), (id) => this.#manager.lookup(id));
  }

  #restingState(): SessionState {
    return restingState(this.#configuration, this.#effective());
  }

  /** What the roaming policy needs, when this session is open on a roaming-capable service network. */
  #roamSituation(): RoamSituation | undefined {
    const alrWanted = this.#emitter.count("preferredConfigurationChanged") > 0;
    return roamSituation(this.#model, this.#serviceNetwork(), this.#manager, alrWanted);
  }

  #checkRoaming(): void {
    const m = this.#model;
    if (m.phase !== "open" || m.roam) return;
    const situation = this.#roamSituation();
    const decision = situation && decideOnChange(situation);
    if (decision) this.#dispatch({ type: "preferred", ...decision, fromReach: this.#link.reach });
  }

  /** How a roam target fares in the carrier test against what the roam requires. */
  #carrier(identifier: string): CarrierVerdict {
    const required = this.#model.roam?.required ?? NO_REACH;
    return carrierVerdict(linkReach(this.#manager.lookup(identifier)), required);
  }

  /** What a transition back to a roam's old access point needs to know. */
  #returnInfo(): { fromAvailable: boolean; restingState: SessionState } {
    return { fromAvailable: this.#roamFromAvailable(), restingState: this.#restingState() };
  }

  #refreshLink(notify = this.#registered): void {
    const ap = this.#currentAccessPoint();
    this.#link.refresh(this.#manager.usagePolicies(), ap, this.#model.phase === "opening", notify);
  }

  #statistics(): { bytesReceived: number; bytesWritten: number } {
    const links = statisticsLinks(this.#effective(), this.#currentAccessPoint());
    return sumStatistics(links, (id) => this.#manager.statistics(id));
  }
}
