/**
 * `@netsession/core/driver`: what a driver implements and mentions — the
 * driver contract ({@linkcode NetworkDriver}, its snapshot, events and
 * errors), the value unions of the model and the {@linkcode Clock}. Drivers
 * re-export this module whole (`export * from "@netsession/core/driver"`) so
 * that their documentation is complete and their users need one import.
 *
 * @example
 * ```ts
 * import { type DriverConfiguration, DriverError } from "@netsession/core/driver";
 * const ap: DriverConfiguration = {
 *   identifier: "wlan",
 *   name: "Home",
 *   type: "internet-access-point",
 *   state: "discovered",
 *   purpose: "private",
 *   bearerType: "wlan",
 * };
 * console.log(ap.identifier, new DriverError("unknown", "boom").code); // "wlan" "unknown"
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./clock.ts";
export * from "./driver.ts";
export * from "./reachability.ts";
export * from "./trace.ts";
