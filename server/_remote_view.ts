/**
 * `RemoteDriver`'s local view of the daemon: the configurations,
 * capabilities, usage policies, default and statistics it last reported, the
 * last event's sequence number, and this client's holds (the daemon session
 * per access point, and the access points the local core still wants). It
 * maps the protocol's events and snapshots to driver events.
 *
 * @module
 */

import type {
  Capability,
  DriverConfiguration,
  DriverEvent,
  DriverSnapshot,
  DriverStatistics,
  UsagePolicy,
} from "@netsession/core";
import { withSystemSessions } from "./_capabilities.ts";
import type { DaemonEvent, DaemonSnapshot } from "./protocol.ts";

/** What a {@linkcode RemoteView} reports to its driver. */
export interface RemoteViewHooks {
  /** The client id whose `session-closed` events drop holds. */
  readonly clientId: string;
  /** Delivers a driver event to the local core. */
  readonly emit: (event: DriverEvent) => void;
  /** The daemon closed a session of this client (not on our request): take the holds back. */
  readonly holdDropped: () => void;
}

/** How {@linkcode RemoteView.resync} went. */
export type ResyncOutcome = "stale" | "applied" | "restarted";

/** The daemon as this process sees it, and this client's holds. */
export class RemoteView {
  /** The configurations by identifier. */
  configs = new Map<string, DriverConfiguration>();
  /** Byte counters by access point, from the latest `statistics` event. */
  stats = new Map<string, DriverStatistics>();
  /** Capabilities, always with `system-session-support`. */
  capabilities: Capability[] = [];
  /** Usage policies in force. */
  policies: UsagePolicy[] = [];
  /** The default configuration. */
  default: string | undefined;
  /** The daemon run the view comes from. */
  instance = "";
  /** The daemon's lease TTL, ms. */
  ttl = 10_000;
  /** The last event applied. */
  lastSeq = 0;
  /** Access point -> daemon session id. */
  readonly held = new Map<string, string>();
  /** Access points the local core activated and still holds (it dropped them on deactivate or on a loss). */
  readonly wanted = new Set<string>();
  #hooks: RemoteViewHooks;

  constructor(hooks: RemoteViewHooks) {
    this.#hooks = hooks;
  }

  /** Takes over a snapshot wholesale (at start, before any event was delivered). */
  adopt(snap: DaemonSnapshot): void {
    this.configs = new Map(snap.configurations.map((c) => [c.identifier, c]));
    this.capabilities = withSystemSessions(snap.capabilities);
    this.policies = [...snap.usagePolicies];
    this.default = snap.defaultConfiguration;
    this.instance = snap.instance;
    this.ttl = snap.leaseTtlMs ?? this.ttl;
    this.stats = new Map(Object.entries(snap.statistics ?? {}));
    this.lastSeq = snap.seq;
  }

  /** The view as a driver snapshot. */
  driverSnapshot(): DriverSnapshot {
    return {
      configurations: [...this.configs.values()],
      capabilities: this.capabilities,
      usagePolicies: this.policies,
      ...(this.default === undefined ? {} : { defaultConfiguration: this.default }),
    };
  }

  /** The counters of the access point, with `data-statistics`. */
  statistics(identifier: string): DriverStatistics | undefined {
    if (!this.capabilities.includes("data-statistics")) return undefined;
    const s = this.stats.get(identifier);
    return s ? { bytesReceived: s.bytesReceived, bytesWritten: s.bytesWritten } : undefined;
  }

  /** Applies an event from the stream unless it was already seen; true when it was new. */
  receive(event: DaemonEvent): boolean {
    if (typeof event.seq !== "number" || event.seq <= this.lastSeq) return false; // already seen
    this.#apply(event);
    this.lastSeq = event.seq;
    return true;
  }

  /** Applies one event to the local view; every kind is named, so a new kind is a compile error here. */
  #apply(event: DaemonEvent): void {
    const emit = this.#hooks.emit;
    switch (event.type) {
      case "configuration-added":
      case "configuration-changed": {
        const c = event.configuration;
        this.configs.set(c.identifier, c);
        if (c.state !== "active") this.wanted.delete(c.identifier); // the core drops its hold on a loss
        emit({ type: event.type, configuration: c });
        break;
      }
      case "configuration-removed": {
        const id = event.identifier;
        this.configs.delete(id);
        this.wanted.delete(id);
        this.stats.delete(id);
        emit({ type: "configuration-removed", identifier: id });
        break;
      }
      case "usage-policies-changed":
        this.policies = [...event.policies];
        emit({ type: "usage-policies-changed", policies: this.policies });
        break;
      case "default-changed":
        this.default = event.identifier ?? undefined;
        emit({ type: "default-changed", identifier: this.default });
        break;
      case "capabilities-changed":
        this.capabilities = withSystemSessions(event.capabilities);
        emit({ type: "capabilities-changed", capabilities: this.capabilities });
        break;
      case "losing": // before the loss: the local sessions on that link get their losing
        emit({ type: "losing", identifier: event.identifier, msToLive: event.msToLive });
        break;
      case "statistics":
        this.stats = new Map(Object.entries(event.statistics));
        break;
      case "session-closed":
        if (event.client === this.#hooks.clientId) this.#dropHold(event.session);
        break;
      case "online-changed": // the local manager derives these from the configurations
      case "session-opened":
      case "session-state":
      case "session-error":
      case "session-usage-policies":
      case "session-reachability": // the local sessions derive theirs from the configurations
      case "session-losing": // the daemon's sessions' own; the driver's arrive as losing
      case "session-data-budget": // budgets are per manager: a client sets its own
      case "roaming":
      case "client-expired": // its sessions' session-closed events follow
      case "scenario":
      case "shutdown": // the stream ends next; the reconnection finds the new daemon
        break;
      default: {
        // Compile time: every kind of the protocol is handled above. Run time: a newer daemon's kind is ignored.
        const unhandled: never = event;
        void unhandled;
      }
    }
  }

  /** A daemon session of this client was closed by the daemon, not by us (deactivate forgets first). */
  #dropHold(session: string): void {
    let dropped = false;
    for (const [ap, s] of this.held) {
      if (s === session) {
        this.held.delete(ap);
        dropped = true;
      }
    }
    // An expired lease: take it back if the core still holds the link; a link that went down arrives as its
    // own event and drops the want.
    if (dropped) queueMicrotask(() => this.#hooks.holdDropped());
  }

  /**
   * Takes over a fresh snapshot (after a gap or a daemon restart) and reports the differences as events;
   * `"stale"` (nothing changed) when the stream is already ahead of it.
   */
  resync(snap: DaemonSnapshot): ResyncOutcome {
    const emit = this.#hooks.emit;
    const restarted = snap.instance !== this.instance;
    if (!restarted && snap.seq <= this.lastSeq) return "stale"; // the stream is already ahead of this snapshot
    if (restarted) this.held.clear(); // the old daemon's sessions are gone
    const before = this.configs;
    const after = new Map(snap.configurations.map((c) => [c.identifier, c]));
    this.configs = after;
    for (const id of [...this.wanted]) if (after.get(id)?.state !== "active") this.wanted.delete(id);
    for (const [id, c] of after) {
      const old = before.get(id);
      if (!old) emit({ type: "configuration-added", configuration: c });
      else if (JSON.stringify(old) !== JSON.stringify(c)) {
        emit({ type: "configuration-changed", configuration: c });
      }
    }
    for (const id of before.keys()) {
      if (!after.has(id)) emit({ type: "configuration-removed", identifier: id });
    }
    const policies = [...snap.usagePolicies];
    if (JSON.stringify(policies) !== JSON.stringify(this.policies)) {
      this.policies = policies;
      emit({ type: "usage-policies-changed", policies });
    }
    if (snap.defaultConfiguration !== this.default) {
      this.default = snap.defaultConfiguration;
      emit({ type: "default-changed", identifier: this.default });
    }
    const caps = withSystemSessions(snap.capabilities);
    if (JSON.stringify(caps) !== JSON.stringify(this.capabilities)) {
      this.capabilities = caps;
      emit({ type: "capabilities-changed", capabilities: caps });
    }
    this.instance = snap.instance;
    this.ttl = snap.leaseTtlMs ?? this.ttl;
    this.stats = new Map(Object.entries(snap.statistics ?? {}));
    this.lastSeq = snap.seq;
    return restarted ? "restarted" : "applied";
  }
}
