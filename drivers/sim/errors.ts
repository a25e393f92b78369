/**
 * Error codes of the simulator: what went wrong with a {@linkcode SimWorld}
 * call or a scenario, as a value a caller can branch on (the daemon maps them
 * to HTTP 404, 409 and 400) instead of matching message text.
 *
 * @module
 */

/**
 * Every simulator error code: `not-found` (no configuration or access point
 * with that id), `conflict` (the call does not fit the world's state: the id
 * exists already, the device or interface is taken, traffic on an inactive
 * link, an out-of-range access point, the wrong kind of configuration) and
 * `invalid` (a malformed value, or a malformed scenario).
 *
 * @example
 * ```ts
 * import { SIM_ERROR_CODES } from "@netsession/sim";
 * console.log(SIM_ERROR_CODES.includes("conflict")); // true
 * ```
 */
export const SIM_ERROR_CODES = ["not-found", "conflict", "invalid"] as const;

/**
 * A simulator error code, see {@linkcode SIM_ERROR_CODES}.
 *
 * @example
 * ```ts
 * import type { SimErrorCode } from "@netsession/sim";
 * const status = (code: SimErrorCode) => ({ "not-found": 404, conflict: 409, invalid: 400 })[code];
 * console.log(status("invalid")); // 400
 * ```
 */
export type SimErrorCode = typeof SIM_ERROR_CODES[number];

/**
 * An `Error` of the simulator with its {@linkcode SimErrorCode}. Malformed
 * values are thrown as `TypeError` or `RangeError` carrying the same `code`
 * property; read it with {@linkcode simErrorCode} whatever the class.
 *
 * @example
 * ```ts
 * import { SimError, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan" });
 * try {
 *   world.addAccessPoint({ id: "wlan" });
 * } catch (e) {
 *   console.log(e instanceof SimError && e.code); // "conflict"
 * }
 * ```
 */
export class SimError extends Error {
  /** What kind of problem it is. */
  readonly code: SimErrorCode;
  /**
   * Creates the error.
   *
   * @param code what kind of problem it is
   * @param message what happened, to what, and what to do next
   */
  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.name = "SimError";
    this.code = code;
  }
}

/**
 * The {@linkcode SimErrorCode} of an error thrown by a {@linkcode SimWorld}
 * method or the scenario reader, or `undefined` for any other error
 * (including the `DriverError`s a driver rejects with).
 *
 * @example
 * ```ts
 * import { SimWorld, simErrorCode } from "@netsession/sim";
 * const world = new SimWorld();
 * try {
 *   world.setSignal("nope", 10);
 * } catch (e) {
 *   console.log(simErrorCode(e)); // "not-found"
 * }
 * ```
 */
export function simErrorCode(error: unknown): SimErrorCode | undefined {
  if (error === null || typeof error !== "object" || !(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return (SIM_ERROR_CODES as readonly unknown[]).includes(code) ? code as SimErrorCode : undefined;
}
