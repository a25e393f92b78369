// Request validation helpers: every failure is a 400 DaemonError naming the field and what is expected.
import { checkNeed, type DataBudgetOptions, type NetworkNeed } from "@netsession/core";
import { DaemonError } from "./errors.ts";

/** Client ids, configuration ids, session ids: printable, no spaces, at most 128 characters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@~+-]{0,127}$/;

export type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function bad(field: string, expected: string, value: unknown): DaemonError {
  return new DaemonError(400, "bad-request", `${field} must be ${expected}, got ${describe(value)}`, field);
}

export function id(value: unknown, field: string): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw bad(
      field,
      "an identifier (1-128 letters, digits or ._:@~+- , starting with a letter or digit)",
      value,
    );
  }
  return value;
}

export function optionalId(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : id(value, field);
}

export function text(value: unknown, field: string, max = 128): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw bad(field, `a non-empty string of at most ${max} characters`, value);
  }
  return value;
}

export function number(value: unknown, field: string, min: number, max: number, integer = false): number {
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < min || value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw bad(field, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, value);
  }
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw bad(field, "true or false", value);
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw bad(field, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
  return value as T;
}

export function onlyKeys(body: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new DaemonError(
        400,
        "bad-request",
        `unknown field '${key.slice(0, 64)}'; expected only ${allowed.join(", ")}`,
        key.slice(0, 64),
      );
    }
  }
}

/** Parses a sequence number (`Last-Event-ID`, `since`). */
export function sequence(value: string, field: string): number {
  if (!/^\d{1,15}$/.test(value)) throw bad(field, "a non-negative integer event sequence number", value);
  return Number(value);
}

/**
 * Reads a JSON object body of at most `limit` bytes (413 beyond, 400 if not a JSON object). The guards' body
 * limit has refused a larger declared or chunked body already; the count here covers in-process requests.
 */
export async function readJson(request: Request, limit: number): Promise<Json> {
  const body = request.body;
  if (!body) return {};
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (error instanceof DaemonError || (error as { getResponse?: unknown }).getResponse) throw error;
      // The client went away mid-body: its abort, not the daemon's failure (nobody hears the answer).
      throw new DaemonError(400, "aborted", "the request body was not received completely", "body");
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  let source: string;
  try {
    source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DaemonError(400, "bad-request", "the body is not valid UTF-8; send a JSON object", "body");
  }
  if (source.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new DaemonError(
      400,
      "bad-request",
      `the body is not valid JSON (${(error as Error).message}); send a JSON object`,
      "body",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw bad("body", "a JSON object", parsed);
  }
  return parsed as Json;
}

export function tooLarge(limit: number): DaemonError {
  return new DaemonError(413, "payload-too-large", `the body is larger than ${limit} bytes`, "body");
}

const NEED_KEYS = ["bearers", "notMetered", "reachability", "minSignal", "timeoutMs", "name"];

/** A `NetworkNeed` (the core's `checkNeed`); 400 naming the field, e.g. `need.minSignal`. */
export function need(value: unknown, field: string): NetworkNeed {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad(field, 'an object such as {"notMetered": true, "bearers": ["wlan"]}', value);
  }
  for (const key of Object.keys(value)) {
    if (!NEED_KEYS.includes(key)) {
      throw new DaemonError(
        400,
        "bad-request",
        `unknown field '${key.slice(0, 64)}' in ${field}; expected only ${NEED_KEYS.join(", ")}`,
        `${field}.${key.slice(0, 64)}`,
      );
    }
  }
  const n = value as NetworkNeed;
  if (n.name !== undefined) text(n.name, `${field}.name`);
  if (Array.isArray(n.bearers) && n.bearers.length > 16) {
    throw bad(`${field}.bearers`, "at most 16 bearers", n.bearers);
  }
  try {
    checkNeed(n);
  } catch (error) {
    const message = (error as Error).message.replace(/^configurationFor\(need\): /, "");
    const key = /^(\w+) must be/.exec(message)?.[1];
    throw new DaemonError(400, "bad-request", `${field}.${message}`, key ? `${field}.${key}` : field);
  }
  return n;
}

/** A data budget body `{bytes, warnAt?}`: 400 naming the field. */
export function budget(body: Json): DataBudgetOptions {
  onlyKeys(body, ["bytes", "warnAt"]);
  const bytes = number(body.bytes, "bytes", 1, Number.MAX_SAFE_INTEGER, true);
  const warnAt = body.warnAt === undefined ? undefined : number(body.warnAt, "warnAt", 0, 1);
  return warnAt === undefined ? { bytes } : { bytes, warnAt };
}
