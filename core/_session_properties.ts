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
  #values = new Map<string, unknown>([["AutoCloseSessionTimeout", -1]]);

  /** The stored value of `key`. */
  get(key: string): unknown {
    return this.#values.get(key);
  }

  /** Sets (or with `undefined`, removes) `key`, after checking it may be set to `value`. */
  set(key: string, value: unknown): void {
    if (READ_ONLY.has(key)) {
      throw new TypeError(
        `setSessionProperty("${key}"): ${key} is read-only; it is set by the session itself`,
      );
    }
    if (value === undefined) {
      if (key === "AutoCloseSessionTimeout") this.#values.set(key, -1);
      else this.#values.delete(key);
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
    this.#values.set(key, value);
  }
}
