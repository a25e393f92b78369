// Internal: the value checks of the simulator, each throwing a coded error (see errors.ts).
import { CAPABILITIES, type Capability } from "@netsession/core";
import type { SimErrorCode } from "./errors.ts";

/** `error` with `code` attached: the one way this package gives a `TypeError` or `RangeError` its code. */
export function withCode<E extends Error>(code: SimErrorCode, error: E): E & { readonly code: SimErrorCode } {
  Object.defineProperty(error, "code", { value: code, enumerable: true });
  return error as E & { readonly code: SimErrorCode };
}

/** A malformed value: a `TypeError` with code `invalid`. */
export function invalidType(message: string): TypeError {
  return withCode("invalid", new TypeError(message));
}

/** A value out of its range or set: a `RangeError` with code `invalid`. */
export function invalidRange(message: string): RangeError {
  return withCode("invalid", new RangeError(message));
}

export function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id.length === 0) {
    throw invalidType(`${what} needs a non-empty string id, got ${JSON.stringify(id)}`);
  }
}

export function checkName(name: unknown, id: string): void {
  if (name !== undefined && typeof name !== "string") {
    throw invalidType(`name of '${id}' must be a string, got ${JSON.stringify(name)}`);
  }
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalidRange(
      `${what} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

export function checkSignal(value: unknown, id: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 100) {
    throw invalidRange(
      `signal of '${id}' must be a number from 0 (out of range) to 100, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function checkBytes(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidRange(
      `${what} must be a non-negative integer number of bytes, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A short JSON rendering of a value for messages (`nothing` for undefined). */
export function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? "nothing" : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A malformed field of an options object: its `field` and `reason` ("expected …, got …") let a reader re-word it. */
export type FieldError = (TypeError | RangeError) & {
  readonly code: "invalid";
  readonly field: string;
  readonly reason: string;
};

/**
 * Reads the fields of one options object (access point, service network): each check names the field and
 * what it expects. Messages read `signal of 'x' must be …, got …`, or with `where` `where.signal: expected …`.
 */
export class OptionReader {
  readonly #o: Record<string, unknown>;
  readonly #call: string;
  readonly #where: string | undefined;
  readonly id: string;

  constructor(value: unknown, call: string, example: string, fields: readonly string[], where?: string) {
    this.#call = call;
    this.#where = where;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw where === undefined
        ? invalidType(`${call} needs an options object such as ${example}`)
        : this.#error(TypeError, "(root)", "an options object", value);
    }
    this.#o = value as Record<string, unknown>;
    const id = this.#o.id;
    if (typeof id !== "string" || id.length === 0) {
      throw this.#error(TypeError, "id", "a non-empty string id", id);
    }
    this.id = id;
    for (const k of Object.keys(this.#o)) {
      if (fields.includes(k)) continue;
      const reason = `unknown field; expected one of ${fields.join(", ")}`;
      const message = where === undefined
        ? `${call}: '${k}' is not an option (of '${id}'); the options are ${fields.join(", ")}`
        : `${where}.${k}: ${reason}`;
      throw this.#fieldError(TypeError, message, k, reason);
    }
  }

  #error(
    kind: typeof TypeError | typeof RangeError,
    field: string,
    expected: string,
    got: unknown,
  ): FieldError {
    const reason = `expected ${expected}, got ${show(got)}`;
    const message = this.#where !== undefined
      ? `${this.#where}${field === "(root)" ? "" : `.${field}`}: ${reason}`
      : field === "id"
      ? `${this.#call} needs ${expected}, got ${show(got)}`
      : `${field} of '${this.id}' must be ${expected}, got ${show(got)}`;
    return this.#fieldError(kind, message, field, reason);
  }

  #fieldError(kind: typeof TypeError, message: string, field: string, reason: string): FieldError {
    const error = withCode("invalid", new kind(message));
    Object.defineProperties(error, { field: { value: field }, reason: { value: reason } });
    return error as FieldError;
  }

  /** An optional field checked by `ok`; `kind` says whether a wrong value is a type or a range error. */
  optional<T>(field: string, expected: string, ok: (v: unknown) => boolean, kind = TypeError): T | undefined {
    const v = this.#o[field];
    if (v === undefined) return undefined;
    if (!ok(v)) throw this.#error(kind, field, expected, v);
    return v as T;
  }

  string(
    field: string,
    nonEmpty = false,
    expected = nonEmpty ? "a non-empty string" : "a string",
  ): string | undefined {
    return this.optional(field, expected, (v) => typeof v === "string" && (!nonEmpty || v.length > 0));
  }

  boolean(field: string): boolean | undefined {
    return this.optional(field, "true or false", (v) => typeof v === "boolean");
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    return this.optional(
      field,
      `one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
      (v) => (allowed as readonly unknown[]).includes(v),
      RangeError,
    );
  }

  number(field: string, expected: string, lo: number, hi: number, positive = false): number | undefined {
    return this.optional(
      field,
      expected,
      (v) => typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi && (!positive || v > 0),
      RangeError,
    );
  }

  /** Milliseconds: finite, non-negative (or positive). */
  duration(field: string, positive = false): number | undefined {
    const expected = `a finite ${positive ? "positive" : "non-negative"} number of milliseconds`;
    return this.number(field, expected, 0, Infinity, positive);
  }

  /** An array of non-empty strings, each once. */
  ids(field: string, what: string): string[] {
    const v = this.#o[field];
    if (!Array.isArray(v) || v.some((m) => typeof m !== "string" || m.length === 0)) {
      throw this.#error(TypeError, field, `an array of ${what} ids`, v);
    }
    if (new Set(v).size !== v.length) {
      throw this.#error(TypeError, field, `a list without a member twice (each ${what} once)`, v);
    }
    return [...v];
  }
}

export function checkCapabilities(capabilities: readonly Capability[]): Capability[] {
  if (!Array.isArray(capabilities)) {
    throw invalidType(`capabilities must be an array such as ["forced-roaming"]`);
  }
  return [...new Set(capabilities.map((c) => checkOneOf(c, CAPABILITIES, "capability")))];
}
