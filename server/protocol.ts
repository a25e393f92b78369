/**
 * The daemon's wire protocol as types: the union of every event body (a
 * discriminated union on `type`; the bodies themselves are in
 * `protocol_events.ts`), the stream markers, the snapshot, the error body,
 * the client header and the request and answer bodies of the routes
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
  DataBudget,
  DriverSnapshot,
  NetworkInterface,
  NetworkNeed,
  Reachability,
  SessionError,
  SessionState,
  TransportMedium,
  UsagePolicy,
} from "@netsession/core";
import type {
  ByteCounters,
  CapabilitiesChangedEvent,
  ClientExpiredEvent,
  ConfigurationEvent,
  ConfigurationRemovedEvent,
  DefaultChangedEvent,
  LosingEvent,
  OnlineChangedEvent,
  RoamingEvent,
  ScenarioEvent,
  SessionClosedEvent,
  SessionDataBudgetEvent,
  SessionErrorEvent,
  SessionLosingEvent,
  SessionOpenedEvent,
  SessionReachabilityEvent,
  SessionStateEvent,
  SessionUsagePoliciesEvent,
  ShutdownEvent,
  StatisticsEvent,
  UsagePoliciesChangedEvent,
} from "./protocol_events.ts";

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
 * The header of a client's key: the daemon sends it with the first answer for a new client id, and every later
 * request naming that id must carry it (else 403): a client id cannot be taken over by naming it.
 *
 * @example
 * ```ts
 * import { CLIENT_KEY_HEADER } from "@netsession/server";
 * const key = (res: Response) => res.headers.get(CLIENT_KEY_HEADER);
 * ```
 */
export const CLIENT_KEY_HEADER = "X-Netsession-Client-Key";

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
  /** The configuration it was opened on (`need:N` for a session opened on a need). */
  readonly configuration: string;
  /** The need it was opened on (`POST /v1/sessions` with `need`), else null. */
  readonly need: NetworkNeed | null;
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
  /** Bytes received on this session's own links since it opened (monotonic). */
  readonly bytesReceivedSinceOpen: number;
  /** Bytes sent on this session's own links since it opened (monotonic). */
  readonly bytesWrittenSinceOpen: number;
  /** Seconds since it opened. */
  readonly activeTime: number;
  /** Usage policies in force for it. */
  readonly usagePolicies: readonly UsagePolicy[];
  /** The access point in use (`""` when not open). */
  readonly ActiveConfiguration: string;
  /** How it roams. */
  readonly roaming: RoamingMode;
  /** How far its link reaches (`"disconnected"` with no link up). */
  readonly reachability: Reachability;
  /** Whether its link is behind a captive portal. */
  readonly behindCaptivePortal: boolean;
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

// ---------------------------------------------------------------------- the event union (bodies: protocol_events.ts)

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
  | SessionReachabilityEvent
  | SessionLosingEvent
  | SessionDataBudgetEvent
  | LosingEvent
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
  /** Configuration identifier (or `need`: exactly one of the two). */
  readonly configuration?: string;
  /** What the session needs of a network: the daemon opens it on `manager.configurationFor(need)`. */
  readonly need?: NetworkNeed;
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

/**
 * The answer of `POST /v1/configurations/:id/check-reachability`: how far
 * the configuration's active link reaches after the driver tested it
 * (`"disconnected"` when none is up), and the `seq` of the last event
 * published then (a change the check found is published before the answer).
 *
 * @example
 * ```ts
 * import type { ReachabilityAnswer } from "@netsession/server";
 * const online = (a: ReachabilityAnswer) => a.reachability === "online";
 * ```
 */
export interface ReachabilityAnswer extends SeqAnswer {
  /** How far the link reaches. */
  readonly reachability: Reachability;
}

/**
 * The reachability fields of `GET /v1/status`: the daemon manager's view of
 * the default route (`"disconnected"`, `false`, `"unknown"`, `false` with no
 * active link).
 *
 * @example
 * ```ts
 * import type { RouteReachability } from "@netsession/server";
 * const portal = (s: RouteReachability) => s.behindCaptivePortal;
 * ```
 */
export interface RouteReachability {
  /** How far the default route reaches. */
  readonly reachability: Reachability;
  /** Whether it is behind a captive portal. */
  readonly behindCaptivePortal: boolean;
  /** Its transport medium. */
  readonly transportMedium: TransportMedium;
  /** Whether it is metered. */
  readonly isMetered: boolean;
}

/**
 * The body of `PUT /v1/configurations/:id/budget`: the access point's data
 * budget (bytes received plus sent from now on) and its warning share.
 *
 * @example
 * ```ts
 * import type { DataBudgetBody } from "@netsession/server";
 * const body: DataBudgetBody = { bytes: 5_000_000_000, warnAt: 0.9 };
 * ```
 */
export interface DataBudgetBody {
  /** Bytes the access point may carry, > 0. */
  readonly bytes: number;
  /** The share of `bytes` at which sessions are warned, 0..1 (default 0.8). */
  readonly warnAt?: number;
}

/**
 * The answer of `PUT` and `DELETE /v1/configurations/:id/budget`.
 *
 * @example
 * ```ts
 * import type { DataBudgetAnswer } from "@netsession/server";
 * const left = (a: DataBudgetAnswer) => a.dataBudget ? a.dataBudget.bytes - a.dataBudget.used : Infinity;
 * ```
 */
export interface DataBudgetAnswer extends SeqAnswer {
  /** The access point. */
  readonly identifier: string;
  /** Its budget now (null: none). */
  readonly dataBudget: DataBudget | null;
}
