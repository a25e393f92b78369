/**
 * The settable session properties of a `NetworkSession` and their checks
 * (`ConnectInBackground` a boolean, `AutoCloseSessionTimeout` an integer ≥ -1;
 * the read-only keys are answered by the session itself).
 *
 * @module
 */

const READ_ONLY = new Set(["ActiveConfiguration", "UserChoiceConfiguration"]);

/** A session's own property store. */
export class SessionProperties {
  /** Created with the first property set (most sessions never set one). */
  #values: Map<string, unknown> | undefined;

  /** The stored value of `key`. */
  get(key: string): unknown {
    if (!this.#values) return key === "AutoCloseSessionTimeout" ? -1 : undefined;
    return this.#values.get(key);
  }

  /** Sets (or with `undefined`, removes) `key`, after checking it may be set to `value`. */
  set(key: string, value: unknown): void {
    if (READ_ONLY.has(key)) {
      throw new TypeError(
        `setSessionProperty("${key}"): ${key} is read-only; it is set by the session itself`,
      );
    }
    const values = this.#values ??= new Map<string, unknown>([["AutoCloseSessionTimeout", -1]]);
    if (value === undefined) {
      if (key === "AutoCloseSessionTimeout") values.set(key, -1);
      else values.delete(key);
      return;
    }
    if (key === "ConnectInBackground" && typeof value !== "boolean") {
      throw new TypeError(
        `setSessionProperty("ConnectInBackground", ${JSON.stringify(value)}): expected true or false`,
      );
    }
    if (key === "AutoCloseSessionTimeout" && (!Number.isInteger(value) || (value as number) < -1)) {
      throw new TypeError(
        `setSessionProperty("AutoCloseSessionTimeout", ${
          JSON.stringify(value)
        }): expected an integer number of milliseconds, or -1 for never`,
      );
    }
    values.set(key, value);
  }
}
