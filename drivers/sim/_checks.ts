// Internal: the value checks of the simulator, each throwing a coded error (see errors.ts).
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

export function checkDuration(value: unknown, what: string, positive = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw invalidRange(
      `${what} must be a finite ${positive ? "positive" : "non-negative"} number of milliseconds, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

export function checkBoolean(value: unknown, what: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw invalidType(`${what} must be true or false, got ${JSON.stringify(value)}`);
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
