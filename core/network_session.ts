/**
 * {@linkcode NetworkSession}: an application's hold on a network
 * configuration: its public API. It turns calls and what the manager
 * observed into inputs of the pure state machine (`session_machine.ts`), run
 * by `_session_runner.ts`, and asks the pure roaming policy
 * (`roaming_policy.ts`) when to roam and where; it talks only to its
 * {@linkcode SessionHost} (the manager).
 *
 * @module
 */

import {
  accessPointInUse,
  currentAccessPoint,
  linkInterface,
  linkReach,
  restingState,
  roamFromAvailable,
  roamSituation,
  statisticsLinks,
  stopTarget,
  sumStatistics,
} from "./_session_link.ts";
import { openInput, resolveUserChoice, settleWithin } from "./_session_open.ts";
import type { IndexLinks } from "./_session_index.ts";
import { SessionProperties } from "./_session_properties.ts";
import { type RunnerHooks, SessionRunner } from "./_session_runner.ts";
import { SinceOpen } from "./_since_open.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import { stateRank } from "./configuration.ts";
import { Emitter } from "./emitter.ts";
import { describeNeed } from "./needs.ts";
import { decideOnChange, decideOnLoss, type RoamSituation } from "./roaming_policy.ts";
import type { DataBudgetEvent } from "./data_budgets.ts";
import type { SessionEvents, SessionPropertyKey } from "./session_events.ts";
import type { SessionHost } from "./session_host.ts";
import { heldAccessPoints, initialSessionModel } from "./session_machine.ts";
import type { SessionModel, SessionPhase } from "./session_model.ts";
import type {
  NetworkInterface,
  Reachability,
  SessionError,
  SessionState,
  Subscription,
  UsagePolicy,
} from "./types.ts";

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
  /** Created with the first listener. */
  #emitter: Emitter<SessionEvents> | undefined;
  #run: SessionRunner;
  #properties: SessionProperties | undefined;
  #sinceOpen: SinceOpen | undefined;
  /** Need views: the matches an open() already tried and let go. */
  #tried: Set<string> | undefined;
  #registered = false;
  /** A user choice is being resolved (open() called; the machine has not started yet). */
  #resolving: object | undefined;
  /** @internal where the manager's session index filed this session (undefined: not filed). */
  indexKey: string | undefined = undefined;
  /** @internal its links in the index (both fields from the start: a property added later changes the shape). */
  indexLinks: IndexLinks | undefined = undefined;

  /** What the runner asks of its session: one small object per session (no closures). */
  static #Hooks = class implements RunnerHooks {
    readonly session: NetworkSession;
    constructor(session: NetworkSession) {
      this.session = session;
    }
    get host(): SessionHost {
      return this.session.#manager;
    }
    get emitter(): Emitter<SessionEvents> | undefined {
      return this.session.#emitter;
    }
    restingState() {
      return this.session.#restingState();
    }
    currentAccessPoint() {
      return this.session.#currentAccessPoint();
    }
    beforeTransition(next: SessionModel) {
      // counters since open read 0 once idle: a last sample would be thrown away
      if (next.phase === "idle") this.session.#sinceOpen = undefined;
      else this.session.#count();
    }
    afterTransition() {
      this.session.#updateRegistration();
    }
    registered() {
      return this.session.#registered;
    }
    openRequirement() {
      const c = this.session.#configuration;
      const need = c.type === "service-network" ? this.session.#manager.needOf(c.identifier) : undefined;
      return need?.reachability && { reachability: need.reachability, captivePortal: false };
    }
    nextMatch(identifier: string) {
      const tried = this.session.#tried ??= new Set();
      tried.add(identifier);
      const inRange = (c: NetworkConfiguration) => c.state === "discovered" || c.state === "active";
      return this.session.#configuration.children.find((c) => !tried.has(c.identifier) && inRange(c))
        ?.identifier;
    }
  };

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
    this.#run = new SessionRunner(
      new NetworkSession.#Hooks(this),
      initialSessionModel(restingState(configuration, undefined)),
    );
    // Policies and reach are computed when the session registers (opens or gets a listener); until then, when read.
  }

  /** The configuration this session was created on. */
  get configuration(): NetworkConfiguration {
    return this.#configuration;
  }

  /** The session state. */
  get state(): SessionState {
    if (this.#run.model.phase === "idle" && !this.#registered) return this.#restingState();
    return this.#run.model.state;
  }

  /** The last error, or undefined if none occurred. */
  get error(): SessionError | undefined {
    return this.#run.error;
  }

  /** A human-readable description of the last error (`""` if none). */
  get errorString(): string {
    return this.#run.errorString;
  }

  /** Whether this session is open (registered its use of the link). */
  get isOpen(): boolean {
    return this.#run.model.phase === "open";
  }

  /** The interface in use; only while connected (or roaming). */
  get interface(): NetworkInterface | undefined {
    const state = this.state;
    if (state !== "connected" && state !== "roaming") return undefined;
    return linkInterface(this.#currentAccessPoint(), this.#serviceNetwork());
  }

  /** Seconds since the session opened; 0 when not open. */
  get activeTime(): number {
    if (this.#run.openedAt === undefined || !this.isOpen) return 0;
    return Math.floor((this.#manager.clock.now() - this.#run.openedAt) / 1000);
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

  /** Bytes received on this session's own links since it opened: never goes down, even across roams; 0 when not open. */
  get bytesReceivedSinceOpen(): number {
    this.#count();
    return this.#sinceOpen?.received ?? 0;
  }

  /** Bytes sent on this session's own links since it opened (see `bytesReceivedSinceOpen`). */
  get bytesWrittenSinceOpen(): number {
    this.#count();
    return this.#sinceOpen?.written ?? 0;
  }

  /** Samples the session's own link into its counters since open (resets them while not open). */
  #count(): void {
    const m = this.#run.model;
    if (m.phase === "idle") return void (this.#sinceOpen = undefined);
    const id = accessPointInUse(m);
    if (id === undefined) return;
    const active = this.#manager.lookup(id)?.state === "active";
    (this.#sinceOpen ??= new SinceOpen()).sample(id, active ? this.#manager.statistics(id) : undefined);
  }

  /** Usage policies in force for this session: system-wide ones plus the link's (metered). */
  get usagePolicies(): readonly UsagePolicy[] {
    if (!this.#registered) this.#run.refreshLink(false); // nobody is told of an idle, unheard session's changes
    return this.#run.policies;
  }

  /** @internal the configuration this session acts on (what a user choice resolved to), for the manager's index. */
  get watchKey(): string {
    return this.#effective()?.identifier ?? this.#configuration.identifier;
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
    return this.#run.model.phase;
  }

  /** @internal the machine's model (read-only; for the core's own tests). */
  get model(): SessionModel {
    return this.#run.model;
  }

  /**
   * A session property: `ActiveConfiguration` (the access point in use while
   * open, else `""`), `UserChoiceConfiguration` (what a user-choice
   * configuration resolved to while open, else `""`), `ConnectInBackground`,
   * `AutoCloseSessionTimeout` (default -1), or any custom key.
   */
  sessionProperty(key: SessionPropertyKey | (string & Record<never, never>)): unknown {
    if (key === "ActiveConfiguration") {
      return this.isOpen ? accessPointInUse(this.#run.model) ?? "" : "";
    }
    if (key === "UserChoiceConfiguration") {
      return this.isOpen && this.#configuration.type === "user-choice"
        ? this.#resolved?.identifier ?? ""
        : "";
    }
    if (!this.#properties) return key === "AutoCloseSessionTimeout" ? -1 : undefined;
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
    (this.#properties ??= new SessionProperties()).set(key, value);
  }

  /** Listens to a session event; see {@linkcode SessionEvents}. */
  on<K extends keyof SessionEvents>(event: K, listener: SessionEvents[K]): Subscription {
    this.#emitter ??= new Emitter<SessionEvents>(
      this.#manager.onListenerError,
      () => this.#updateRegistration(),
    );
    return this.#emitter.on(event, listener);
  }

  /**
   * Opens the session: raises the session counter and starts the link if
   * needed. Resolves true once open, false on failure (see `error`); never rejects.
   */
  open(): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    const settled = new Promise<boolean>((resolve) => this.#run.onSettle(resolve));
    if (this.#resolving || this.#run.model.phase === "opening") return settled;
    if (this.#run.model.phase === "idle") this.#tried = undefined;
    const c = this.#configuration;
    const need = c.type === "service-network" ? this.#manager.needOf(c.identifier) : undefined;
    if (c.type === "user-choice") {
      const background = this.#properties?.get("ConnectInBackground") === true;
      this.#openLater(
        resolveUserChoice(this.#manager, this, background),
        (error) => `the user choice could not be resolved: ${error?.message ?? error}`,
      );
    } else if (need && c.children.length === 0) {
      // Nothing meets the need yet: wait for a match (Android's onUnavailable after the time-out).
      const ms = need.timeoutMs ?? c.connectTimeout;
      const matched = this.#manager.whenMatched(c.identifier, ms).then((ok) => {
        if (ok) return c;
        throw new Error(`no access point met the need '${c.name}' (${describeNeed(need)}) within ${ms} ms`);
      });
      this.#openLater(matched, (error) => `${error.message}; bring one into range or relax the need`);
    } else {
      this.#openOn(this.#effective());
    }
    return settled;
  }

  /** Opens once `target` is known (a user choice resolved, a need matched), or fails with `failure`. */
  #openLater(target: Promise<NetworkConfiguration>, failure: (error: Error) => string): void {
    const token = this.#resolving = {};
    const settle = (t: NetworkConfiguration | undefined, why?: string) => {
      if (token !== this.#resolving) return; // given up by close()/stop() meanwhile
      this.#resolving = undefined;
      this.#openOn(t, why);
    };
    target.then((t) => settle(t), (error) => settle(undefined, failure(error)));
  }

  /** close()/stop() while the target is still being found: the open is given up (`session-aborted`). */
  #abandonOpen(how: string): boolean {
    if (!this.#resolving) return false;
    this.#resolving = undefined;
    this.#run.abandon(`the session was ${how} before it opened`);
    return true;
  }

  #openOn(target: NetworkConfiguration | undefined, failure?: string): void {
    if (this.#configuration.type === "user-choice") {
      this.#resolved = target;
      if (this.#registered) this.#manager.register(this); // filed under what it resolved to
    }
    this.#run.dispatch(openInput(this.#configuration.identifier, target, failure));
  }

  /** Waits until open, up to `ms` milliseconds (-1: no time-out). False at once unless connecting or open. */
  waitForOpened(ms = 30000): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    if (this.#run.model.phase !== "opening" && !this.#resolving) return Promise.resolve(false);
    return settleWithin(this.#manager.clock, ms, (settle) => this.#run.onSettle(settle));
  }

  /**
   * Lowers the session counter. The link goes down only when this was its
   * last holder; otherwise the state stays `connected` and `closed` is emitted at once.
   */
  close(): void {
    if (this.#abandonOpen("closed")) return;
    const m = this.#run.model;
    const held = heldAccessPoints(m);
    let lastHolder = held.length > 0 && !this.#manager.lingers;
    for (let i = 0; lastHolder && i < held.length; i++) lastHolder = this.#manager.holdCount(held[i]) <= 1;
    this.#run.dispatch({ type: "close", lastHolder, restingState: this.#restingState() });
  }

  /** Takes the link down at once; every other session on it gets `closed` and `session-aborted`. */
  stop(): void {
    if (this.#abandonOpen("stopped")) return;
    const target = stopTarget(this.#effective());
    this.#run.dispatch({ type: "stop", target, restingState: this.#restingState() });
  }

  /** Roams to the offered access point (after `preferredConfigurationChanged`). */
  migrate(): void {
    this.#run.dispatch({ type: "migrate" });
  }

  /** Declines the offered access point; it is not offered again until something changes. */
  ignore(): void {
    this.#run.dispatch({ type: "ignore", restingState: this.#restingState() });
  }

  /** Keeps the new access point (after `newConfigurationActivated`) and lets the old one go. */
  accept(): void {
    this.#run.dispatch({ type: "accept" });
  }

  /**
   * Returns to the previous access point (after `newConfigurationActivated`) and lets the new one go. When
   * starting the new access point took the old one down (one device for both), the old one is started again
   * first (state `roaming` until it is up); if it cannot come back the session stays on the new one with error
   * `roaming`.
   */
  reject(): void {
    this.#run.dispatch({ type: "reject", fromAvailable: this.#roamFromAvailable() });
  }

  /** Whether the access point a roam is leaving could be started (again) now. */
  #roamFromAvailable(): boolean {
    return roamFromAvailable(this.#run.model, this.#manager);
  }

  /** Closes the session if open and drops every listener. */
  [Symbol.dispose](): void {
    if (this.#run.model.phase === "open" || this.#run.model.phase === "opening") this.close();
    this.#emitter?.clear();
    this.#updateRegistration();
  }

  /** @internal the configuration states changed. */
  notifyObserved(): void {
    const m = this.#run.model;
    if (m.ignored !== undefined) {
      const ignored = this.#manager.lookup(m.ignored);
      if (!ignored || stateRank(ignored.state) < 2) this.#run.model = { ...m, ignored: undefined };
    }
    this.#run.observed(this.#restingState());
    const now = this.#run.model;
    const testing = now.roam?.step === "validating"
      ? now.roam.to
      : now.validating
      ? now.accessPoint
      : undefined;
    if (testing !== undefined) {
      this.#run.dispatch(this.#run.carrierInput(testing, this.#run.carrier(testing)));
    }
    this.#checkRoaming();
  }

  /** @internal an access point this session held went down without it asking. */
  notifyLost(identifier: string, message: string, mayRoam = true): void {
    const situation = mayRoam ? this.#roamSituation() : undefined;
    const next = situation && decideOnLoss(situation, identifier);
    const fromReach = this.#run.reach;
    this.#run.dispatch({
      type: "lost",
      identifier,
      message,
      restingState: this.#restingState(),
      next,
      fromReach,
    });
  }

  /** @internal the link of `identifier` is expected to go within `msToLive`. */
  notifyLosing(identifier: string, msToLive: number): void {
    if (this.#currentAccessPoint()?.identifier === identifier) this.#emitter?.emit("losing", { msToLive });
  }

  /** @internal the data budget of `event.identifier` crossed a level. */
  notifyBudget(event: DataBudgetEvent): void {
    if (this.#currentAccessPoint()?.identifier === event.identifier) this.#emitter?.emit("dataBudget", event);
  }

  /** @internal a configuration was removed. */
  notifyRemoved(view: NetworkConfiguration): void {
    if (view === this.#configuration || view === this.#resolved) {
      this.#run.dispatch({ type: "removed", message: `configuration '${view.name}' was removed` });
    }
  }

  #updateRegistration(): void {
    const want = this.#run.model.phase !== "idle" || (this.#emitter?.size ?? 0) > 0;
    if (want === this.#registered) return;
    this.#registered = want;
    if (want) {
      this.#manager.register(this);
      if (this.#run.model.phase === "idle") {
        this.#run.model = { ...this.#run.model, state: this.#restingState() };
      }
      // in a transition the runner refreshes after its effects (registering there, the session has no listener)
      if (!this.#run.busy) this.#run.refreshLink(false);
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
    return currentAccessPoint(this.#run.model, this.#effective(), this.#manager);
  }

  #restingState(): SessionState {
    return restingState(this.#configuration, this.#effective());
  }

  /** What the roaming policy needs, when this session is open on a roaming-capable service network. */
  #roamSituation(): RoamSituation | undefined {
    const alrWanted = (this.#emitter?.count("preferredConfigurationChanged") ?? 0) > 0;
    return roamSituation(this.#run.model, this.#serviceNetwork(), this.#manager, alrWanted);
  }

  #checkRoaming(): void {
    const m = this.#run.model;
    if (m.phase !== "open" || m.roam) return;
    const situation = this.#roamSituation();
    const decision = situation && decideOnChange(situation);
    if (decision) this.#run.dispatch({ type: "preferred", ...decision, fromReach: this.#run.reach });
  }

  #statistics(): { bytesReceived: number; bytesWritten: number } {
    const links = statisticsLinks(this.#effective(), this.#currentAccessPoint());
    return sumStatistics(links, (id) => this.#manager.statistics(id));
  }
}
