/**
 * The driver contract: what a platform driver reports to the core and what the
 * core asks of it. A driver knows access points and links; the core owns
 * sessions, the per-access-point session counter (leases), service-network
 * roaming decisions and usage-policy derivation. The core never imports a
 * driver; drivers import these types.
 *
 * Rules every driver follows (checked by `tests/conformance/`):
 * - {@linkcode NetworkDriver.start} returns a full snapshot, then every later
 *   change is pushed through the sink, in the order it happened.
 * - A configuration's `state` is cumulative: `active` implies in range.
 *   Service-network states are derived by the core from their children.
 * - {@linkcode NetworkDriver.activate} resolves once the access point is
 *   `active` (and the matching `configuration-changed` event was delivered)
 *   or rejects with a {@linkcode DriverError}. Activating an active access
 *   point resolves at once.
 * - {@linkcode NetworkDriver.deactivate} is called when the last local holder
 *   lets go. With `force: false` a driver may keep up a link that it did not
 *   bring up itself (another program holds it); with `force: true`
 *   (`NetworkSession.stop()`) the link goes down whoever holds it.
 * - Changes made by anyone else (a link lost, another program) are reported
 *   as events: the core turns them into session `closed`/`session-aborted`.
 * - Removing an active access point may be reported by `configuration-removed`
 *   alone: the core treats it as the link lost.
 * - `deactivate()` while an activation of the same access point is pending
 *   cancels it (the pending `activate()` rejects with `session-aborted`); the
 *   core normally cancels through the `AbortSignal` instead.
 * - An activation and its time-out due at the same moment: the activation wins.
 * - `statistics()` is asked for access points only (the core sums service
 *   networks itself); unknown identifiers give `undefined`.
 * - `close()` drops the driver's holds but leaves links up (another process
 *   may hold them), and fails pending activations with `session-aborted`.
 * - `ActivateOptions.serviceNetwork` is informational (a driver may use it to
 *   keep a virtual address across members).
 *
 * @module
 */

import type {
  BearerType,
  Capability,
  ConfigurationState,
  ConfigurationType,
  NetworkInterface,
  Purpose,
  Reachability,
  SessionError,
  UsagePolicy,
} from "./types.ts";

/**
 * A snapshot of one configuration as the driver sees it.
 *
 * @example
 * ```ts
 * import type { DriverConfiguration } from "@netsession/core";
 * const ap: DriverConfiguration = {
 *   identifier: "home-wlan", name: "Home", type: "internet-access-point",
 *   state: "discovered", purpose: "private", bearerType: "wlan", metered: false,
 * };
 * ```
 */
export interface DriverConfiguration {
  /** Stable identifier, unique within the driver. */
  readonly identifier: string;
  /** Human-readable name. */
  readonly name: string;
  /** The kind of configuration; `invalid` is never reported by a driver. */
  readonly type: Exclude<ConfigurationType, "invalid">;
  /** Current state. For service networks the core recomputes it from the children. */
  readonly state: ConfigurationState;
  /** What the configuration is meant for. */
  readonly purpose: Purpose;
  /** Link technology (`unknown` for service networks and user choice). */
  readonly bearerType: BearerType;
  /** Free-form bearer name (for example `"WLAN"` or `"LTE"`); derived from `bearerType` when absent. */
  readonly bearerTypeName?: string;
  /** Whether traffic on this link is charged by volume. */
  readonly metered: boolean;
  /** Milliseconds `open()` waits for activation; default 30000. */
  readonly connectTimeout?: number;
  /** Service networks: member access-point identifiers, highest priority first. */
  readonly children?: readonly string[];
  /** Whether sessions on this configuration may roam (service networks). */
  readonly roamingAvailable?: boolean;
  /** Service networks: whether a handover between members keeps the session's address. */
  readonly seamless?: boolean;
  /** Service networks with `seamless`: the virtual addresses a session keeps across members. */
  readonly virtualAddresses?: readonly string[];
  /** Access points: the interface while `active`. */
  readonly interface?: NetworkInterface;
  /** Access points: link quality 0..100 where known (0 = out of range). */
  readonly signal?: number;
  /**
   * Access points: how far the link reaches while `active`. Omitted (or
   * `unknown`) when the driver cannot tell; drivers never guess.
   */
  readonly reachability?: Reachability;
  /** Access points: whether the link is behind a captive portal (a sign-in page) while `active`. */
  readonly captivePortal?: boolean;
}

/**
 * Byte counters of an interface.
 *
 * @example
 * ```ts
 * import type { DriverStatistics } from "@netsession/core";
 * const s: DriverStatistics = { bytesReceived: 1024, bytesWritten: 512 };
 * ```
 */
export interface DriverStatistics {
  /** Bytes received on the interface since it came up. */
  readonly bytesReceived: number;
  /** Bytes sent on the interface since it came up. */
  readonly bytesWritten: number;
}

/**
 * Everything a driver knows when it starts.
 *
 * @example
 * ```ts
 * import type { DriverSnapshot } from "@netsession/core";
 * const snap: DriverSnapshot = { configurations: [], capabilities: [], usagePolicies: [] };
 * ```
 */
export interface DriverSnapshot {
  /** Every known configuration. */
  readonly configurations: readonly DriverConfiguration[];
  /** What this platform supports. */
  readonly capabilities: readonly Capability[];
  /** System-wide usage policies in force. */
  readonly usagePolicies: readonly UsagePolicy[];
  /** The platform's preferred configuration, if it has one. */
  readonly defaultConfiguration?: string;
}

/**
 * A change pushed by a driver.
 *
 * @example
 * ```ts
 * import type { DriverEvent } from "@netsession/core";
 * const e: DriverEvent = { type: "configuration-removed", identifier: "old-ap" };
 * ```
 */
export type DriverEvent =
  | { readonly type: "configuration-added"; readonly configuration: DriverConfiguration }
  | { readonly type: "configuration-changed"; readonly configuration: DriverConfiguration }
  | { readonly type: "configuration-removed"; readonly identifier: string }
  | { readonly type: "usage-policies-changed"; readonly policies: readonly UsagePolicy[] }
  | { readonly type: "default-changed"; readonly identifier: string | undefined }
  | { readonly type: "capabilities-changed"; readonly capabilities: readonly Capability[] }
  /** An access point's link is expected to go within `msToLive` (fading signal, deactivation under way). */
  | { readonly type: "losing"; readonly identifier: string; readonly msToLive: number };

/**
 * Receives driver events. Called synchronously by the driver.
 *
 * @example
 * ```ts
 * import type { DriverEventSink } from "@netsession/core";
 * const sink: DriverEventSink = (e) => console.log(e.type);
 * ```
 */
export type DriverEventSink = (event: DriverEvent) => void;

/**
 * Options of {@linkcode NetworkDriver.activate}.
 *
 * @example
 * ```ts
 * import type { ActivateOptions } from "@netsession/core";
 * const o: ActivateOptions = { signal: AbortSignal.timeout(1000), timeout: 1000 };
 * ```
 */
export interface ActivateOptions {
  /** Aborts the activation (the last holder closed meanwhile). */
  readonly signal?: AbortSignal;
  /** Milliseconds allowed, from the configuration's `connectTimeout`. */
  readonly timeout?: number;
  /** The service network on whose behalf the access point is activated, if any. */
  readonly serviceNetwork?: string;
}

/**
 * Options of {@linkcode NetworkDriver.deactivate}.
 *
 * @example
 * ```ts
 * import type { DeactivateOptions } from "@netsession/core";
 * const o: DeactivateOptions = { force: true };
 * ```
 */
export interface DeactivateOptions {
  /** `true` for `stop()`: take the link down even if something else holds it. */
  readonly force?: boolean;
  /** Aborts waiting for the link to go down. */
  readonly signal?: AbortSignal;
}

/**
 * What a platform driver implements. See the module documentation for the rules.
 *
 * @example A driver with nothing in it
 * ```ts
 * import { DriverError, type NetworkDriver } from "@netsession/core";
 * const empty: NetworkDriver = {
 *   name: "empty",
 *   start: () => Promise.resolve({ configurations: [], capabilities: [], usagePolicies: [] }),
 *   scan: () => Promise.resolve(),
 *   activate: (id) => Promise.reject(new DriverError("invalid-configuration", `no ${id}`)),
 *   deactivate: () => Promise.resolve(),
 *   statistics: () => undefined,
 *   close: () => Promise.resolve(),
 * };
 * ```
 */
export interface NetworkDriver {
  /** A short name for messages (`"sim"`, `"networkmanager"`, `"remote"`). */
  readonly name: string;
  /** Connects to the platform, returns the snapshot and starts pushing events to `sink`. */
  start(sink: DriverEventSink): Promise<DriverSnapshot>;
  /** Rescans; changes found are pushed through the sink before the promise resolves. */
  scan(): Promise<void>;
  /** Brings an access point up; see the module rules. Rejects with {@linkcode DriverError}. */
  activate(identifier: string, options?: ActivateOptions): Promise<void>;
  /** Lets an access point go down; see the module rules. Rejects with {@linkcode DriverError}. */
  deactivate(identifier: string, options?: DeactivateOptions): Promise<void>;
  /** Current counters of an access point's interface, or undefined without `data-statistics`. */
  statistics(identifier: string): DriverStatistics | undefined;
  /**
   * Optional: tests now how far an active access point reaches (a
   * connectivity check) and resolves with the answer; the change, if any, is
   * also pushed as a `configuration-changed` event before it resolves. A
   * driver without it reports what it knows through its configurations.
   */
  checkReachability?(identifier: string): Promise<Reachability>;
  /** Stops pushing events and releases the platform connection. */
  close(): Promise<void>;
}

/**
 * A driver failure mapped to a {@linkcode SessionError}. Drivers throw only
 * this; nothing platform-shaped reaches the core.
 *
 * @example
 * ```ts
 * import { DriverError } from "@netsession/core";
 * const e = new DriverError("unknown", "activation of home-wlan timed out after 30000 ms");
 * console.log(e.code, e.message);
 * ```
 */
export class DriverError extends Error {
  /** The session error this failure maps to. */
  readonly code: SessionError;
  /**
   * Creates a driver error.
   *
   * @param code the session error this failure maps to
   * @param message what happened, to what, and what to do next
   * @param options standard error options (`cause`)
   */
  constructor(code: SessionError, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DriverError";
    this.code = code;
  }
}
