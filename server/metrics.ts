/**
 * Metrics: the daemon's counters and their Prometheus text exposition (`GET /metrics`).
 *
 * @module
 */

import type { DataBudget } from "@netsession/core";

/**
 * Counters behind `/metrics`.
 *
 * @example
 * ```ts
 * import type { DaemonCounters } from "@netsession/server";
 * const failures = (c: DaemonCounters) => c.sessionsFailed;
 * ```
 */
export interface DaemonCounters {
  /** Daemon sessions opened. */
  sessionsOpened: number;
  /** Daemon sessions that failed to open. */
  sessionsFailed: number;
  /** Sessions moved to another access point. */
  roams: number;
  /** Clients whose leases expired with sessions. */
  clientsExpired: number;
  /** Session errors by code. */
  readonly errors: Map<string, number>;
}

/** A fresh set of counters, all zero. */
export function newCounters(): DaemonCounters {
  return { sessionsOpened: 0, sessionsFailed: 0, roams: 0, clientsExpired: 0, errors: new Map() };
}

/** What the exposition shows besides the counters: gauges read now. */
export interface MetricsSample {
  readonly counters: DaemonCounters;
  readonly sessionsOpen: number;
  /** Holders per access point in the core's session counter. */
  readonly holds: Iterable<[string, number]>;
  readonly clients: number;
  readonly subscribers: number;
  readonly eventsPublished: number;
  readonly eventsDropped: number;
  readonly online: boolean;
  /** The data budgets in force and their usage, per access point. */
  readonly budgets?: Iterable<[string, DataBudget]>;
}

/** Prometheus text exposition of the daemon's gauges and counters. */
export function renderMetrics(m: MetricsSample): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const one = (name: string, type: string, help: string, value: number) =>
    metric(name, type, help, [["", value]]);
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  const c = m.counters;
  one("netsession_sessions_open", "gauge", "Daemon sessions currently open.", m.sessionsOpen);
  one("netsession_sessions_opened_total", "counter", "Daemon sessions opened.", c.sessionsOpened);
  one(
    "netsession_sessions_failed_total",
    "counter",
    "Daemon sessions that failed to open.",
    c.sessionsFailed,
  );
  metric(
    "netsession_holds",
    "gauge",
    "Holders (leases) per access point in the session counter.",
    [...m.holds].map(([id, n]) => [`{configuration="${esc(id)}"}`, n]),
  );
  one("netsession_roams_total", "counter", "Sessions moved to another access point.", c.roams);
  metric(
    "netsession_session_errors_total",
    "counter",
    "Session errors by code.",
    [...c.errors].map(([code, n]) => [`{error="${esc(code)}"}`, n]),
  );
  one("netsession_clients", "gauge", "Clients known to the daemon.", m.clients);
  one("netsession_clients_expired_total", "counter", "Clients whose leases expired.", c.clientsExpired);
  one("netsession_event_subscribers", "gauge", "Open event streams (SSE and WebSocket).", m.subscribers);
  one("netsession_events_total", "counter", "Events published.", m.eventsPublished);
  one("netsession_events_dropped_total", "counter", "Events dropped for slow subscribers.", m.eventsDropped);
  one("netsession_online", "gauge", "1 when some access point is active.", m.online ? 1 : 0);
  const budgets = [...m.budgets ?? []];
  const per = (pick: (b: DataBudget) => number): [string, number][] =>
    budgets.map(([id, b]) => [`{configuration="${esc(id)}"}`, pick(b)]);
  metric(
    "netsession_data_budget_bytes",
    "gauge",
    "Data budget per access point, bytes.",
    per((b) => b.bytes),
  );
  metric(
    "netsession_data_budget_used_bytes",
    "gauge",
    "Bytes used of the data budget per access point.",
    per((b) => b.used),
  );
  return lines.join("\n") + "\n";
}
