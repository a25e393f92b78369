/**
 * Driver traces: what a driver reported (its snapshot, then every event) and
 * how it answered the core's calls (activate, deactivate, with their
 * outcome), each with its time offset, as versioned JSON. Written as JSON
 * Lines: a header line, then one line per entry. `RecordingDriver` makes
 * them; the simulator's `ReplayDriver` plays them back on a virtual clock.
 *
 * @module
 */

import type { DriverEvent, DriverSnapshot } from "./driver.ts";
import { SESSION_ERRORS, type SessionError } from "./types.ts";

/** The trace format version this package writes and reads. */
export const TRACE_VERSION = 1;

/**
 * One entry of a trace: a driver event, or a call of the core and its outcome.
 *
 * @example
 * ```ts
 * import type { TraceEntry } from "@netsession/core";
 * const e: TraceEntry = { at: 1200, call: "activate", identifier: "wlan", ms: 350, outcome: { ok: true } };
 * ```
 */
export type TraceEntry =
  | {
    /** Milliseconds since the recording started. */
    readonly at: number;
    /** What the driver pushed. */
    readonly event: DriverEvent;
  }
  | {
    /** Milliseconds since the recording started (when the call was made). */
    readonly at: number;
    /** The driver method the core called. */
    readonly call: "activate" | "deactivate" | "scan";
    /** Its access point (none for scan). */
    readonly identifier?: string;
    /** `deactivate`: whether it was a forced `stop()`. */
    readonly force?: boolean;
    /** How long the call took, in milliseconds. */
    readonly ms: number;
    /** How it ended. */
    readonly outcome: { readonly ok: true } | {
      readonly ok: false;
      readonly error: SessionError;
      readonly message: string;
    };
  };

/**
 * A recorded driver: where it came from, the snapshot it started with, and
 * what followed.
 *
 * @example
 * ```ts
 * import { TRACE_VERSION, type DriverTrace } from "@netsession/core";
 * const t: DriverTrace = {
 *   version: TRACE_VERSION,
 *   driver: "sim",
 *   snapshot: { configurations: [], capabilities: [], usagePolicies: [] },
 *   entries: [],
 * };
 * ```
 */
export interface DriverTrace {
  /** The format version ({@linkcode TRACE_VERSION}). */
  readonly version: number;
  /** The recorded driver's name (`"sim"`, `"networkmanager"`, `"remote"`). */
  readonly driver: string;
  /** When the recording started (ISO 8601), if known. */
  readonly recordedAt?: string;
  /** Free-form notes (what was done while recording). */
  readonly note?: string;
  /** The snapshot `start()` returned. */
  readonly snapshot: DriverSnapshot;
  /** Events and calls, in time order. */
  readonly entries: readonly TraceEntry[];
}

/**
 * A malformed trace: says which line (1-based, in the JSON Lines form) and
 * what is wrong.
 *
 * @example
 * ```ts
 * import { parseTrace, TraceError } from "@netsession/core";
 * try { parseTrace("{}"); } catch (e) { console.log(e instanceof TraceError, (e as TraceError).line); } // true 1
 * ```
 */
export class TraceError extends Error {
  /** The line at fault (1-based). */
  readonly line: number;
  /** Always `"invalid"` (as the simulator's error codes). */
  readonly code = "invalid";

  /**
   * Makes a trace error.
   *
   * @param line the line at fault
   * @param message what is wrong and what to do
   */
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "TraceError";
    this.line = line;
  }
}

/**
 * The JSON Lines form of a trace: a header line (version, driver, snapshot),
 * then one entry per line.
 *
 * @example
 * ```ts
 * import { formatTrace, TRACE_VERSION } from "@netsession/core";
 * const text = formatTrace({ version: TRACE_VERSION, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] }, entries: [] });
 * console.log(text.split("\n").length); // 2: the header and a final newline
 * ```
 */
export function formatTrace(trace: DriverTrace): string {
  const { entries, ...header } = trace;
  return [JSON.stringify({ type: "netsession-trace", ...header }), ...entries.map((e) => JSON.stringify(e))]
    .join("\n") + "\n";
}

const EVENT_TYPES = new Set([
  "configuration-added",
  "configuration-changed",
  "configuration-removed",
  "usage-policies-changed",
  "default-changed",
  "capabilities-changed",
  "losing",
]);

/**
 * Reads a trace from its JSON Lines form (or a JSON object with `entries`),
 * checking the version, the header and every entry; throws a
 * {@linkcode TraceError} naming the line.
 *
 * @example
 * ```ts
 * import { parseTrace } from "@netsession/core";
 * const t = parseTrace('{"type":"netsession-trace","version":1,"driver":"sim","snapshot":{"configurations":[],"capabilities":[],"usagePolicies":[]}}\n{"at":5,"event":{"type":"default-changed"}}\n');
 * console.log(t.entries.length); // 1
 * ```
 */
export function parseTrace(text: string): DriverTrace {
  const lines = text.split("\n");
  const json = (i: number) => {
    try {
      return JSON.parse(lines[i]);
    } catch (error) {
      throw new TraceError(i + 1, `not JSON (${(error as Error).message}); each line is one JSON object`);
    }
  };
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) throw new TraceError(1, "the trace is empty; record one with 'netsession record'");
  const header = json(first);
  checkHeader(header, first + 1);
  const entries: TraceEntry[] = [];
  let last = 0;
  for (let i = first + 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const e = json(i);
    checkEntry(e, i + 1, last);
    last = e.at;
    entries.push(e);
  }
  const { type: _type, ...rest } = header;
  return { ...rest, entries };
}

function checkHeader(h: Record<string, unknown>, line: number): void {
  if (typeof h !== "object" || h === null || h.type !== "netsession-trace") {
    throw new TraceError(line, 'the first line must be the trace header {"type":"netsession-trace", …}');
  }
  if (h.version !== TRACE_VERSION) {
    throw new TraceError(
      line,
      `version ${JSON.stringify(h.version)} is not supported; this netsession reads version ${TRACE_VERSION}`,
    );
  }
  if (typeof h.driver !== "string") throw new TraceError(line, "driver: expected the recorded driver's name");
  const s = h.snapshot as Record<string, unknown> | undefined;
  if (
    typeof s !== "object" || s === null || !Array.isArray(s.configurations) ||
    !Array.isArray(s.capabilities) ||
    !Array.isArray(s.usagePolicies)
  ) {
    throw new TraceError(
      line,
      "snapshot: expected { configurations: [], capabilities: [], usagePolicies: [] }",
    );
  }
}

function checkEntry(e: Record<string, unknown>, line: number, last: number): void {
  if (typeof e !== "object" || e === null) throw new TraceError(line, "expected an object");
  if (typeof e.at !== "number" || !Number.isFinite(e.at) || e.at < last) {
    throw new TraceError(
      line,
      `at: expected milliseconds ≥ ${last} (entries are in time order), got ${e.at}`,
    );
  }
  if ("event" in e) {
    const ev = e.event as Record<string, unknown> | null;
    if (typeof ev !== "object" || ev === null || !EVENT_TYPES.has(ev.type as string)) {
      throw new TraceError(line, `event.type: expected one of ${[...EVENT_TYPES].join(", ")}`);
    }
    return;
  }
  if (e.call !== "activate" && e.call !== "deactivate" && e.call !== "scan") {
    throw new TraceError(line, "expected an event entry {at, event} or a call entry {at, call, ms, outcome}");
  }
  if (e.call !== "scan" && typeof e.identifier !== "string") {
    throw new TraceError(line, `identifier: a ${e.call} call names its access point`);
  }
  if (typeof e.ms !== "number" || e.ms < 0) {
    throw new TraceError(line, "ms: expected the call's duration ≥ 0");
  }
  const o = e.outcome as Record<string, unknown> | undefined;
  if (typeof o !== "object" || o === null || typeof o.ok !== "boolean") {
    throw new TraceError(line, "outcome: expected { ok: true } or { ok: false, error, message }");
  }
  if (!o.ok && (!(SESSION_ERRORS as readonly unknown[]).includes(o.error) || typeof o.message !== "string")) {
    throw new TraceError(line, `outcome.error: expected one of ${SESSION_ERRORS.join(", ")} and a message`);
  }
}
