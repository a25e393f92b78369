/**
 * The bodies of the daemon's events, one interface per kind (the `type`), and
 * the byte counters they carry. `protocol.ts` joins them into the
 * discriminated union `DaemonEventBody`.
 *
 * @example Read a `session-closed` event
 * ```ts
 * import type { SessionClosedEvent } from "@netsession/server";
 * const failed = (e: SessionClosedEvent) => e.error !== null;
 * ```
 *
 * @module
 */

import type {
  Capability,
  DataBudgetEvent,
  DriverConfiguration,
  Reachability,
  SessionError,
  SessionState,
  UsagePolicy,
} from "@netsession/core";

// ---------------------------------------------------------------------- counters

/**
 * Byte counters of one access point.
 *
 * @example
 * ```ts
 * import type { ByteCounters } from "@netsession/server";
 * const total = (s: ByteCounters) => s.bytesReceived + s.bytesWritten;
 * ```
 */
export interface ByteCounters {
  /** Bytes received. */
  readonly bytesReceived: number;
  /** Bytes sent. */
  readonly bytesWritten: number;
}

/**
 * Byte counters of one access point with the rates over the last interval, in a `statistics` event.
 *
 * @example
 * ```ts
 * import type { AccessPointStatistics } from "@netsession/server";
 * const busy = (s: AccessPointStatistics) => s.rxRate + s.txRate > 0;
 * ```
 */
export interface AccessPointStatistics extends ByteCounters {
  /** Bytes a second received over the last interval. */
  readonly rxRate: number;
  /** Bytes a second sent over the last interval. */
  readonly txRate: number;
}

// ---------------------------------------------------------------------- event bodies

/**
 * `configuration-added` / `configuration-changed`: a raw driver configuration.
 *
 * @example
 * ```ts
 * import type { ConfigurationEvent } from "@netsession/server";
 * const signal = (e: ConfigurationEvent) => e.configuration.signal;
 * ```
 */
export interface ConfigurationEvent {
  /** The kind. */
  readonly type: "configuration-added" | "configuration-changed";
  /** The configuration as the driver reports it now. */
  readonly configuration: DriverConfiguration;
}

/**
 * `configuration-removed`.
 *
 * @example
 * ```ts
 * import type { ConfigurationRemovedEvent } from "@netsession/server";
 * const e: ConfigurationRemovedEvent = { type: "configuration-removed", identifier: "cafe" };
 * ```
 */
export interface ConfigurationRemovedEvent {
  /** The kind. */
  readonly type: "configuration-removed";
  /** The configuration that is gone. */
  readonly identifier: string;
}

/**
 * `usage-policies-changed`: the platform's usage policies.
 *
 * @example
 * ```ts
 * import type { UsagePoliciesChangedEvent } from "@netsession/server";
 * const e: UsagePoliciesChangedEvent = { type: "usage-policies-changed", policies: [] };
 * ```
 */
export interface UsagePoliciesChangedEvent {
  /** The kind. */
  readonly type: "usage-policies-changed";
  /** The policies in force now. */
  readonly policies: readonly UsagePolicy[];
}

/**
 * `default-changed`: the platform's default configuration.
 *
 * @example
 * ```ts
 * import type { DefaultChangedEvent } from "@netsession/server";
 * const e: DefaultChangedEvent = { type: "default-changed", identifier: null };
 * ```
 */
export interface DefaultChangedEvent {
  /** The kind. */
  readonly type: "default-changed";
  /** The new default, or null when there is none. */
  readonly identifier: string | null;
}

/**
 * `capabilities-changed`: always with `system-session-support`.
 *
 * @example
 * ```ts
 * import type { CapabilitiesChangedEvent } from "@netsession/server";
 * const e: CapabilitiesChangedEvent = { type: "capabilities-changed", capabilities: ["system-session-support"] };
 * ```
 */
export interface CapabilitiesChangedEvent {
  /** The kind. */
  readonly type: "capabilities-changed";
  /** What the platform supports now. */
  readonly capabilities: readonly Capability[];
}

/**
 * `online-changed`: whether some access point is active.
 *
 * @example
 * ```ts
 * import type { OnlineChangedEvent } from "@netsession/server";
 * const e: OnlineChangedEvent = { type: "online-changed", online: true };
 * ```
 */
export interface OnlineChangedEvent {
  /** The kind. */
  readonly type: "online-changed";
  /** Online now. */
  readonly online: boolean;
}

/**
 * What every session event names: the daemon session, its client and its configuration.
 *
 * @example
 * ```ts
 * import type { SessionEventBase } from "@netsession/server";
 * const who = (e: SessionEventBase) => `${e.client}/${e.session}`;
 * ```
 */
export interface SessionEventBase {
  /** Daemon session id. */
  readonly session: string;
  /** Its client. */
  readonly client: string;
  /** The configuration it was opened on. */
  readonly configuration: string;
}

/**
 * `session-opened`.
 *
 * @example
 * ```ts
 * import type { SessionOpenedEvent } from "@netsession/server";
 * const on = (e: SessionOpenedEvent) => e.activeConfiguration;
 * ```
 */
export interface SessionOpenedEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-opened";
  /** The access point it opened on. */
  readonly activeConfiguration: string;
}

/**
 * `session-state`.
 *
 * @example
 * ```ts
 * import type { SessionStateEvent } from "@netsession/server";
 * const up = (e: SessionStateEvent) => e.state === "connected";
 * ```
 */
export interface SessionStateEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-state";
  /** The new state. */
  readonly state: SessionState;
}

/**
 * `session-error`.
 *
 * @example
 * ```ts
 * import type { SessionErrorEvent } from "@netsession/server";
 * const text = (e: SessionErrorEvent) => `${e.error}: ${e.errorString}`;
 * ```
 */
export interface SessionErrorEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-error";
  /** The error. */
  readonly error: SessionError;
  /** Its description. */
  readonly errorString: string;
}

/**
 * `session-closed`: the daemon session is gone (closed, stopped, failed or its client expired).
 *
 * @example
 * ```ts
 * import type { SessionClosedEvent } from "@netsession/server";
 * const failed = (e: SessionClosedEvent) => e.error !== null;
 * ```
 */
export interface SessionClosedEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-closed";
  /** Its last state. */
  readonly state: SessionState;
  /** Its last error, or null. */
  readonly error: SessionError | null;
  /** Description of the last error (`""` if none). */
  readonly errorString: string;
}

/**
 * `session-reachability`: how far one session's link reaches, or whether it
 * is behind a captive portal, changed (the session's `reachabilityChanged`).
 *
 * @example
 * ```ts
 * import type { SessionReachabilityEvent } from "@netsession/server";
 * const signIn = (e: SessionReachabilityEvent) => e.behindCaptivePortal;
 * ```
 */
export interface SessionReachabilityEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-reachability";
  /** How far the session's link reaches now (`"disconnected"` with no link up). */
  readonly reachability: Reachability;
  /** Whether it is behind a captive portal now. */
  readonly behindCaptivePortal: boolean;
}

/**
 * `losing`: the driver expects the link of access point `identifier` to go
 * within `msToLive` ms (a fading signal, a link being taken down); published
 * before the loss. `RemoteDriver` hands it to its core as the driver event
 * `{ type: "losing", identifier, msToLive }`.
 *
 * @example
 * ```ts
 * import type { LosingEvent } from "@netsession/server";
 * const e: LosingEvent = { type: "losing", identifier: "wlan", msToLive: 3000 };
 * ```
 */
export interface LosingEvent {
  /** The kind. */
  readonly type: "losing";
  /** The access point whose link is expected to go. */
  readonly identifier: string;
  /** In how many milliseconds. */
  readonly msToLive: number;
}

/**
 * `session-losing`: one daemon session's link is expected to go within
 * `msToLive` ms (the session's `losing`: the driver said so, or a linger runs out).
 *
 * @example
 * ```ts
 * import type { SessionLosingEvent } from "@netsession/server";
 * const soon = (e: SessionLosingEvent) => e.msToLive < 1000;
 * ```
 */
export interface SessionLosingEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-losing";
  /** The access point the session is on. */
  readonly activeConfiguration: string;
  /** In how many milliseconds its link is expected to go. */
  readonly msToLive: number;
}

/**
 * `session-data-budget`: the data budget of one daemon session's access point
 * reached its warning level (`exhausted` false) or ran out (`exhausted` true)
 * (the session's `dataBudget`).
 *
 * @example
 * ```ts
 * import type { SessionDataBudgetEvent } from "@netsession/server";
 * const share = (e: SessionDataBudgetEvent) => e.used / e.bytes;
 * ```
 */
export interface SessionDataBudgetEvent extends SessionEventBase, DataBudgetEvent {
  /** The kind. */
  readonly type: "session-data-budget";
}

/**
 * `session-usage-policies`: the usage policies of one session changed.
 *
 * @example
 * ```ts
 * import type { SessionUsagePoliciesEvent } from "@netsession/server";
 * const quiet = (e: SessionUsagePoliciesEvent) => e.policies.includes("no-background-traffic");
 * ```
 */
export interface SessionUsagePoliciesEvent extends SessionEventBase {
  /** The kind. */
  readonly type: "session-usage-policies";
  /** The policies in force for it now. */
  readonly policies: readonly UsagePolicy[];
}

/**
 * `roaming`, by `kind`: `started` (the session entered `roaming`), `preferred`
 * (a better access point is offered; `roaming: "application"` sessions),
 * `activated` (the new access point is up) and `moved` (the session is on another access point).
 *
 * @example
 * ```ts
 * import type { RoamingEvent } from "@netsession/server";
 * const where = (e: RoamingEvent) => e.kind === "moved" ? `${e.from} -> ${e.to}` : e.kind;
 * ```
 */
export type RoamingEvent =
  & SessionEventBase
  & { readonly type: "roaming" }
  & (
    | { readonly kind: "started" }
    | { readonly kind: "preferred"; readonly to: string; readonly isSeamless: boolean }
    | { readonly kind: "activated"; readonly to: string }
    | { readonly kind: "moved"; readonly from: string; readonly to: string }
  );

/**
 * `statistics`: counters and rates of the active access points, when they change.
 *
 * @example
 * ```ts
 * import type { StatisticsEvent } from "@netsession/server";
 * const ids = (e: StatisticsEvent) => Object.keys(e.statistics);
 * ```
 */
export interface StatisticsEvent {
  /** The kind. */
  readonly type: "statistics";
  /** Per access point. */
  readonly statistics: Readonly<Record<string, AccessPointStatistics>>;
}

/**
 * `client-expired`: a client's lease ran out; its sessions are being closed.
 *
 * @example
 * ```ts
 * import type { ClientExpiredEvent } from "@netsession/server";
 * const count = (e: ClientExpiredEvent) => e.sessions.length;
 * ```
 */
export interface ClientExpiredEvent {
  /** The kind. */
  readonly type: "client-expired";
  /** The client. */
  readonly client: string;
  /** The daemon sessions it held. */
  readonly sessions: readonly string[];
}

/**
 * `scenario`: a scenario run of `POST /v1/world/scenario` started, finished or failed.
 *
 * @example
 * ```ts
 * import type { ScenarioEvent } from "@netsession/server";
 * const done = (e: ScenarioEvent) => e.status !== "started";
 * ```
 */
export interface ScenarioEvent {
  /** The kind. */
  readonly type: "scenario";
  /** The run's id (from the answer to `POST /v1/world/scenario`). */
  readonly id: string;
  /** Where it is. */
  readonly status: "started" | "finished" | "failed";
  /** Why it failed. */
  readonly message?: string;
}

/**
 * `shutdown`: the daemon is going down; every session is closed.
 *
 * @example
 * ```ts
 * import type { ShutdownEvent } from "@netsession/server";
 * const e: ShutdownEvent = { type: "shutdown", reason: "maintenance" };
 * ```
 */
export interface ShutdownEvent {
  /** The kind. */
  readonly type: "shutdown";
  /** Why. */
  readonly reason: string;
}
