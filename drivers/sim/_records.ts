// Internal: the records the engine keeps per configuration, and how they are reported (pure functions).
import {
  type BearerType,
  type ConfigurationState,
  type DriverConfiguration,
  type DriverError,
  type Purpose,
  type Reachability,
  stateRank,
} from "@netsession/core";
import { isLinkUp, type SimLinkPhase } from "./link.ts";
import type { SimAccessPointOptions } from "./access_point_options.ts";
import { SimError } from "./errors.ts";
import type { SimRandom } from "./random.ts";
import type { SimServiceNetworkOptions } from "./service_network_options.ts";
import type { SimAccessPoint } from "./world_types.ts";

export interface Waiter {
  readonly holder: object;
  readonly resolve: () => void;
  readonly reject: (error: DriverError) => void;
  cleanup: () => void;
}

/** Waiters are kept in arrays: one or two wait, and a Set emptied by `delete` allocates its table again. */
export interface Activation {
  readonly waiters: Waiter[];
  timer: unknown;
}

export interface Deactivation {
  readonly waiters: Waiter[];
  readonly timer: unknown;
}

export interface ApRecord {
  readonly kind: "ap";
  readonly id: string;
  readonly ordinal: number;
  name: string;
  bearer: BearerType;
  signal: number;
  metered: boolean;
  purpose: Purpose;
  activationMs: number;
  deactivationMs: number;
  connectTimeout: number | undefined;
  readonly device: string | undefined;
  readonly interfaceName: string;
  readonly index: number;
  readonly hardwareAddress: string;
  readonly address: string;
  phase: SimLinkPhase;
  rx: number;
  tx: number;
  readonly holders: Set<object>;
  activation: Activation | undefined;
  deactivation: Deactivation | undefined;
  readonly failures: string[];
  /** How far the link reaches while up, and whether it is behind a captive portal then. */
  reachability: Reachability;
  captivePortal: boolean;
  /** The `msToLive` of a fading link's `losing` event. */
  fadeMs: number;
  /** Whether this link's fade was announced (`losing`); cleared when the signal is back or the link is new. */
  fading: boolean;
}

export interface SnRecord {
  readonly kind: "sn";
  readonly id: string;
  name: string;
  members: string[];
  seamless: boolean;
  roamingAvailable: boolean;
  purpose: Purpose;
  connectTimeout: number | undefined;
  readonly virtualAddresses: readonly string[] | undefined;
  lastState: ConfigurationState;
}

export interface UcRecord {
  readonly kind: "uc";
  readonly id: string;
  name: string;
}

export type Entry = ApRecord | SnRecord | UcRecord;

/** The holder token of "another program". */
export const EXTERNAL: object = Object.freeze({ external: true });

export const KIND_NAMES = {
  ap: "an access point",
  sn: "a service network",
  uc: "a user-choice configuration",
} as const;

/** The configuration state of an access point: active while its link is up, else by its signal. */
export function apState(ap: ApRecord): ConfigurationState {
  if (isLinkUp(ap.phase)) return "active";
  return ap.signal > 0 ? "discovered" : "defined";
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An access point's interface as reported (its fields never change: made once per record). */
const interfaces = new WeakMap<ApRecord, NonNullable<DriverConfiguration["interface"]>>();
function interfaceOf(e: ApRecord): NonNullable<DriverConfiguration["interface"]> {
  let i = interfaces.get(e);
  if (i === undefined) {
    i = Object.freeze({
      name: e.interfaceName,
      index: e.index,
      addresses: Object.freeze([e.address]),
      hardwareAddress: e.hardwareAddress,
    });
    interfaces.set(e, i);
  }
  return i;
}

/**
 * A service network's members as reported (the members array is replaced, never changed, on a change). The
 * copy is typed read-only but not frozen: V8 iterates a frozen array on a slow path that allocates, and every
 * reader of a service network's state goes through its members.
 */
const reportedChildren = new WeakMap<readonly string[], readonly string[]>();
function childrenOf(members: readonly string[]): readonly string[] {
  let c = reportedChildren.get(members);
  if (c === undefined) reportedChildren.set(members, c = [...members]);
  return c;
}

/** The state of a service network: the highest of its members'. */
export function snState(sn: SnRecord, entries: ReadonlyMap<string, Entry>): ConfigurationState {
  let best: ConfigurationState = "defined";
  for (const m of sn.members) {
    const e = entries.get(m);
    if (e?.kind !== "ap") continue;
    const s = apState(e);
    if (stateRank(s) > stateRank(best)) best = s;
  }
  return best;
}

/** A configuration as drivers report it. */
export function configurationOf(e: Entry, entries: ReadonlyMap<string, Entry>): DriverConfiguration {
  switch (e.kind) {
    case "ap": {
      // built field by field, in a fixed order (no spreads): reported on every change of the link
      const c: Mutable<DriverConfiguration> = {
        identifier: e.id,
        name: e.name,
        type: "internet-access-point",
        state: apState(e),
        purpose: e.purpose,
        bearerType: e.bearer,
        metered: e.metered,
        signal: e.signal,
      };
      if (e.connectTimeout !== undefined) c.connectTimeout = e.connectTimeout;
      if (isLinkUp(e.phase)) {
        c.reachability = e.reachability;
        c.captivePortal = e.captivePortal;
        c.interface = interfaceOf(e);
      }
      return Object.freeze(c);
    }
    case "sn": {
      let metered = false;
      for (const m of e.members) {
        const ap = entries.get(m);
        if (ap?.kind === "ap" && ap.metered) metered = true;
      }
      const c: Mutable<DriverConfiguration> = {
        identifier: e.id,
        name: e.name,
        type: "service-network",
        state: snState(e, entries),
        purpose: e.purpose,
        bearerType: "unknown",
        metered,
        children: childrenOf(e.members),
        roamingAvailable: e.roamingAvailable,
        seamless: e.seamless,
      };
      if (e.virtualAddresses !== undefined) c.virtualAddresses = e.virtualAddresses;
      if (e.connectTimeout !== undefined) c.connectTimeout = e.connectTimeout;
      return Object.freeze(c);
    }
    case "uc":
      return Object.freeze({
        identifier: e.id,
        name: e.name,
        type: "user-choice",
        state: "discovered",
        purpose: "unknown",
        bearerType: "unknown",
        metered: false,
      });
  }
}

/** The snapshot of an access point for SimWorld.accessPoint. */
export function accessPointSnapshot(ap: ApRecord): SimAccessPoint {
  return Object.freeze({
    id: ap.id,
    name: ap.name,
    bearer: ap.bearer,
    signal: ap.signal,
    metered: ap.metered,
    purpose: ap.purpose,
    activationMs: ap.activationMs,
    deactivationMs: ap.deactivationMs,
    ...(ap.connectTimeout === undefined ? {} : { connectTimeout: ap.connectTimeout }),
    ...(ap.device === undefined ? {} : { device: ap.device }),
    reachability: ap.reachability,
    captivePortal: ap.captivePortal,
    fadeMs: ap.fadeMs,
    interfaceName: ap.interfaceName,
    index: ap.index,
    hardwareAddress: ap.hardwareAddress,
    address: ap.address,
    state: apState(ap),
    phase: ap.phase,
    bytesReceived: ap.rx,
    bytesWritten: ap.tx,
    pendingFailures: ap.failures.length,
  });
}

/**
 * A new access-point record from checked options: the interface name (its `interface`, else its `device`,
 * else the first free `sim<n>`), index `100 + ordinal`, a MAC drawn from `random`, subnet `10.77.<n>.2/24`.
 * Throws `conflict` when the interface or device name is another access point's interface.
 */
export function newAccessPoint(
  o: SimAccessPointOptions,
  ordinal: number,
  interfaceOwner: (name: string) => ApRecord | undefined,
  random: SimRandom,
): ApRecord {
  const { id, device } = o;
  // Access points of one device share its interface name; any other owner makes a name used.
  const usedNames = {
    has: (name: string) => {
      const other = interfaceOwner(name);
      return other !== undefined && (device === undefined || other.device !== device);
    },
  };
  const owner = (name: string) => interfaceOwner(name)!.id;
  let interfaceName: string;
  if (o.interface === undefined && device !== undefined) {
    if (usedNames.has(device)) {
      throw new SimError(
        "conflict",
        `device '${device}' of '${id}' is already the interface of access point '${owner(device)}'`,
      );
    }
    interfaceName = device;
  } else if (o.interface !== undefined) {
    if (usedNames.has(o.interface)) {
      throw new SimError(
        "conflict",
        `interface '${o.interface}' of '${id}' is already used by access point '${
          owner(o.interface)
        }': pick another name`,
      );
    }
    interfaceName = o.interface;
  } else {
    let k = ordinal;
    while (usedNames.has(`sim${k}`)) k++;
    interfaceName = `sim${k}`;
  }
  const mac = ["02", ...Array.from({ length: 5 }, () => random.int(0, 255).toString(16).padStart(2, "0"))]
    .join(":");
  return {
    kind: "ap",
    id,
    ordinal,
    name: o.name ?? id,
    bearer: o.bearer ?? "wlan",
    signal: o.signal ?? 100,
    metered: o.metered ?? false,
    purpose: o.purpose ?? "unknown",
    activationMs: o.activationMs ?? 100,
    deactivationMs: o.deactivationMs ?? 50,
    connectTimeout: o.connectTimeout,
    device,
    interfaceName,
    index: 100 + ordinal,
    hardwareAddress: mac,
    address: `10.${77 + Math.floor(ordinal / 256)}.${ordinal % 256}.2/24`,
    phase: "down",
    rx: 0,
    tx: 0,
    holders: new Set(),
    activation: undefined,
    deactivation: undefined,
    failures: [],
    reachability: o.reachability ?? "online",
    captivePortal: o.captivePortal ?? false,
    fadeMs: o.fadeMs ?? 10_000,
    fading: false,
  };
}

/** A new service-network record (the `k`-th) from checked options and existing members. */
export function newServiceNetwork(o: SimServiceNetworkOptions, members: string[], k: number): SnRecord {
  const seamless = o.seamless ?? false;
  return {
    kind: "sn",
    id: o.id,
    name: o.name ?? o.id,
    members,
    seamless,
    roamingAvailable: o.roamingAvailable ?? true,
    purpose: o.purpose ?? "unknown",
    connectTimeout: o.connectTimeout,
    virtualAddresses: seamless ? Object.freeze([`10.200.${k % 256}.1/32`]) : undefined,
    lastState: "defined",
  };
}

/** Takes `waiter` out of `waiters`; says whether it was there. */
export function removeWaiter(waiters: Waiter[], waiter: Waiter): boolean {
  const i = waiters.indexOf(waiter);
  if (i < 0) return false;
  waiters.splice(i, 1);
  return true;
}
