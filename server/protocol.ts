/**
 * The daemon's wire protocol as types: every event body (a discriminated
 * union on `type`), the stream markers, the snapshot, the error body, the
 * client header and the request and answer bodies of the routes
 * `RemoteDriver` uses. The daemon produces exactly these types and
 * `RemoteDriver` consumes them, so a protocol change is a type error in the
 * client.
 *
 * @example Handle every event kind (a new kind fails to compile)
 * ```ts
 * import type { DaemonEvent } from "@netsession/server";
 * function describe(e: DaemonEvent): string {
 *   switch (e.type) {
 *     case "configuration-added":
 *     case "configuration-changed":
 *       return e.configuration.identifier;
 *     case "configuration-removed":
 *     case "default-changed":
 *       return String(e.identifier);
 *     default:
 *       return e.type;
 *   }
 * }
 * ```
 *
 * @module
 */

import type {
  Capability,
  DriverConfiguration,
  DriverSnapshot,
  NetworkInterface,
  SessionError,
  SessionState,
  UsagePolicy,
} from "@netsession/core";

/**
 * The request header that names the calling client on the session routes
 * (`?client=` works too).
 *
 * @example
 * ```ts
 * import { CLIENT_HEADER } from "@netsession/server";
 * const headers = { [CLIENT_HEADER]: "mail" };
 * ```
 */
export const CLIENT_HEADER = "X-Netsession-Client";

/**
 * The body of every 4xx/5xx answer: a code, a message saying what to do, and
 * the request field at fault (body key, query parameter or header), if any.
 *
 * @example
 * ```ts
 * import type { ErrorBody } from "@netsession/server";
 * const body: ErrorBody = { error: { code: "not-found", message: "no session 's-9'", field: "id" } };
 * ```
 */
export interface ErrorBody {
  /** What went wrong. */
  readonly error: {
    /** Machine-readable code: a session error or a request error (`"bad-request"`, `"not-found"`, …). */
    readonly code: string;
    /** What happened and what to do. */
    readonly message: string;
    /** The request field at fault. */
    readonly field?: string;
  };
}

/**
 * How a daemon session roams on a service network: the daemon decides
 * (`"forced"`) or the client decides with migrate/ignore/accept/reject (`"application"`).
 *
 * @example
 * ```ts
 * import type { RoamingMode } from "@netsession/server";
 * const mode: RoamingMode = "application";
 * ```
 */
export type RoamingMode = "forced" | "application";

/**
 * Actions of `POST /v1/sessions/:id/<action>` other than stop.
 *
 * @example
 * ```ts
 * import type { SessionAction } from "@netsession/server";
 * const a: SessionAction = "accept";
 * ```
 */
export type SessionAction = "migrate" | "ignore" | "accept" | "reject";

/**
 * A daemon session as JSON (`GET /v1/sessions/:id`).
 *
 * @example
 * ```ts
 * import type { SessionInfo } from "@netsession/server";
 * const show = (s: SessionInfo) => `${s.id} of ${s.client} on ${s.configuration}: ${s.state}`;
 * ```
 */
export interface SessionInfo {
  /** Daemon session id (`s-1`, `s-2`, …). */
  readonly id: string;
  /** The client that owns it. */
  readonly client: string;
  /** The configuration it was opened on. */
  readonly configuration: string;
  /** Session state. */
  readonly state: SessionState;
  /** Whether it is open. */
  readonly isOpen: boolean;
  /** The last error, or null. */
  readonly error: SessionError | null;
  /** Description of the last error (`""` if none). */
  readonly errorString: string;
  /** The interface while connected, or null. */
  readonly interface: NetworkInterface | null;
  /** Bytes received on the interface(s) in use. */
  readonly bytesReceived: number;
  /** Bytes sent on the interface(s) in use. */
  readonly bytesWritten: number;
  /** Seconds since it opened. */
  readonly activeTime: number;
  /** Usage policies in force for it. */
  readonly usagePolicies: readonly UsagePolicy[];
  /** The access point in use (`""` when not open). */
  readonly ActiveConfiguration: string;
  /** How it roams. */
  readonly roaming: RoamingMode;
}

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

/**
 * The daemon's snapshot for `RemoteDriver` (`GET /v1/driver/snapshot`): the
 * driver's snapshot now, with the sequence number of the last event it includes.
 *
 * @example
 * ```ts
 * import type { DaemonSnapshot } from "@netsession/server";
 * const ids = (s: DaemonSnapshot) => s.configurations.map((c) => c.identifier);
 * ```
 */
export interface DaemonSnapshot extends DriverSnapshot {
  /** Sequence number of the last event reflected in this snapshot. */
  readonly seq: number;
  /** Identifies this daemon run; a different value after a restart. */
  readonly instance: string;
  /** The lease time-to-live in milliseconds: heartbeat more often than that. */
  readonly leaseTtlMs: number;
  /** Byte counters of active access points (with `data-statistics`). */
  readonly statistics: Readonly<Record<string, ByteCounters>>;
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

/**
 * Every event body the daemon publishes (before it gets `seq` and `time`): a
 * discriminated union on `type`.
 *
 * @example
 * ```ts
 * import type { DaemonEventBody } from "@netsession/server";
 * const body: DaemonEventBody = { type: "online-changed", online: false };
 * ```
 */
export type DaemonEventBody =
  | ConfigurationEvent
  | ConfigurationRemovedEvent
  | UsagePoliciesChangedEvent
  | DefaultChangedEvent
  | CapabilitiesChangedEvent
  | OnlineChangedEvent
  | SessionOpenedEvent
  | SessionStateEvent
  | SessionErrorEvent
  | SessionClosedEvent
  | SessionUsagePoliciesEvent
  | RoamingEvent
  | StatisticsEvent
  | ClientExpiredEvent
  | ScenarioEvent
  | ShutdownEvent;

/**
 * The `type` of every event.
 *
 * @example
 * ```ts
 * import type { DaemonEventType } from "@netsession/server";
 * const t: DaemonEventType = "session-closed";
 * ```
 */
export type DaemonEventType = DaemonEventBody["type"];

/**
 * What the publication adds to every event body.
 *
 * @example
 * ```ts
 * import type { EventStamp } from "@netsession/server";
 * const age = (e: EventStamp) => Date.now() - e.time;
 * ```
 */
export interface EventStamp {
  /** Sequence number: 1 for the first event of a daemon, then +1 per event. */
  readonly seq: number;
  /** Wall-clock time of publication, milliseconds since the epoch. */
  readonly time: number;
}

/**
 * An event as the daemon sends it: a {@linkcode DaemonEventBody} with its
 * sequence number `seq` and the daemon's wall time `time`.
 *
 * @example
 * ```ts
 * import type { DaemonEvent } from "@netsession/server";
 * const e: DaemonEvent = { seq: 7, time: 0, type: "default-changed", identifier: "internet" };
 * console.log(e.type, e.seq);
 * ```
 */
export type DaemonEvent = DaemonEventBody & EventStamp;

/**
 * The first message on every event stream (no `seq` of its own).
 *
 * @example
 * ```ts
 * import type { HelloMarker } from "@netsession/server";
 * const restarted = (hello: HelloMarker, known: string) => hello.instance !== known;
 * ```
 */
export interface HelloMarker {
  /** The kind. */
  readonly type: "hello";
  /** Identifies this daemon run. */
  readonly instance: string;
  /** The last event's sequence number now. */
  readonly seq: number;
  /** The daemon's driver name. */
  readonly driver: string;
  /** The lease time-to-live, ms. */
  readonly leaseTtlMs: number;
  /** The client whose leases this stream holds, if any. */
  readonly client?: string;
}

/**
 * Events `from..to` were not delivered (no longer buffered, or the subscriber fell behind): re-read the snapshot.
 *
 * @example
 * ```ts
 * import type { GapMarker } from "@netsession/server";
 * const missed = (g: GapMarker) => g.to - g.from + 1;
 * ```
 */
export interface GapMarker {
  /** The kind. */
  readonly type: "gap";
  /** First missed sequence number. */
  readonly from: number;
  /** Last missed sequence number. */
  readonly to: number;
  /** What to do. */
  readonly message: string;
}

/**
 * The WebSocket keep-alive message (SSE sends a comment instead).
 *
 * @example
 * ```ts
 * import type { KeepAliveMarker } from "@netsession/server";
 * const k: KeepAliveMarker = { type: "keep-alive" };
 * ```
 */
export interface KeepAliveMarker {
  /** The kind. */
  readonly type: "keep-alive";
}

/**
 * Every message of an event stream: an event or a marker.
 *
 * @example
 * ```ts
 * import type { StreamMessage } from "@netsession/server";
 * const sequenced = (m: StreamMessage) => m.type !== "hello" && m.type !== "gap" && m.type !== "keep-alive";
 * ```
 */
export type StreamMessage = DaemonEvent | HelloMarker | GapMarker | KeepAliveMarker;

// ---------------------------------------------------------------------- routes RemoteDriver uses

/**
 * The body of `POST /v1/sessions`.
 *
 * @example
 * ```ts
 * import type { OpenSessionBody } from "@netsession/server";
 * const body: OpenSessionBody = { configuration: "internet", client: "mail" };
 * ```
 */
export interface OpenSessionBody {
  /** Configuration identifier. */
  readonly configuration: string;
  /** Client id (default: the `X-Netsession-Client` header, else a generated one). */
  readonly client?: string;
  /** How the session roams (default `"forced"`). */
  readonly roaming?: RoamingMode;
  /** Only join a link that is up now (409 `not-active` otherwise). */
  readonly attach?: boolean;
}

/**
 * The body of `POST /v1/clients/:id/heartbeat`.
 *
 * @example
 * ```ts
 * import type { HeartbeatBody } from "@netsession/server";
 * const body: HeartbeatBody = { ttlMs: 600_000 };
 * ```
 */
export interface HeartbeatBody {
  /** A new lease TTL for the client, 1000..3600000 ms. */
  readonly ttlMs?: number;
}

/**
 * The answer of `POST /v1/clients/:id/heartbeat`.
 *
 * @example
 * ```ts
 * import type { HeartbeatAnswer } from "@netsession/server";
 * const held = (a: HeartbeatAnswer) => a.sessions.length;
 * ```
 */
export interface HeartbeatAnswer {
  /** The client. */
  readonly client: string;
  /** Its lease TTL in force. */
  readonly ttlMs: number;
  /** The daemon sessions it holds. */
  readonly sessions: readonly string[];
}

/**
 * The answer of the routes that change something: the sequence number of the
 * last event their change caused (wait for it on the event stream).
 *
 * @example
 * ```ts
 * import type { SeqAnswer } from "@netsession/server";
 * const after = (a: SeqAnswer) => a.seq;
 * ```
 */
export interface SeqAnswer {
  /** Sequence number of the last event published when the answer was made. */
  readonly seq: number;
}

/**
 * The answer of `POST /v1/sessions` (201), `DELETE /v1/sessions/:id` and `POST /v1/sessions/:id/stop`.
 *
 * @example
 * ```ts
 * import type { SessionAnswer } from "@netsession/server";
 * const id = (a: SessionAnswer) => a.session.id;
 * ```
 */
export interface SessionAnswer extends SeqAnswer {
  /** The daemon session. */
  readonly session: SessionInfo;
}

/**
 * The answer of `DELETE /v1/sessions?configuration=` and `DELETE /v1/clients/:id`.
 *
 * @example
 * ```ts
 * import type { ReleaseAnswer } from "@netsession/server";
 * const closed = (a: ReleaseAnswer) => a.sessions.length;
 * ```
 */
export interface ReleaseAnswer extends SeqAnswer {
  /** The daemon sessions closed. */
  readonly sessions: readonly string[];
}
