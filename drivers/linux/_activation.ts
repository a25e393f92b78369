// Internal: activation and deactivation of connections. `activate` waits for ACTIVATED (time-out and AbortSignal
// honoured; a half-made activation is undone) and says why NetworkManager gave up; `deactivate` takes down only
// what this driver brought up, unless forced.
import {
  type ActivateOptions,
  type DeactivateOptions,
  type DriverConfiguration,
  DriverError,
} from "@netsession/core";
import { BusCallError, type BusConnection, toDriverError } from "./_dbus.ts";
import { IFACE, type Mirror, NM_PATH, type View } from "./_model.ts";
import type { Waiters } from "./_waiters.ts";
import { NMActiveConnectionState, NMActiveConnectionStateReason } from "./nm_enums.ts";

const R = NMActiveConnectionStateReason;
/** What an active connection's `StateChanged` reason means, for activation failure messages. */
const AC_REASONS: Record<number, string> = {
  [R.USER_DISCONNECTED]: "disconnected by a user",
  [R.DEVICE_DISCONNECTED]: "the device disconnected",
  [R.SERVICE_STOPPED]: "the VPN service stopped",
  [R.IP_CONFIG_INVALID]: "the IP configuration was invalid",
  [R.CONNECT_TIMEOUT]: "the connection attempt timed out",
  [R.SERVICE_START_TIMEOUT]: "the VPN service did not start in time",
  [R.SERVICE_START_FAILED]: "the VPN service failed to start",
  [R.NO_SECRETS]: "secrets were required but not provided",
  [R.LOGIN_FAILED]: "authentication failed",
  [R.CONNECTION_REMOVED]: "the connection was removed",
  [R.DEPENDENCY_FAILED]: "a connection it depends on failed",
  [R.DEVICE_REALIZE_FAILED]: "the device could not be realized",
  [R.DEVICE_REMOVED]: "the device was removed",
};

/** What activation needs from the driver. */
export interface ActivationContext {
  readonly waiters: Waiters;
  readonly mirror: Mirror;
  /** The bus connection for `what`, or a DriverError saying why there is none. */
  require(what: string): BusConnection;
  /** The bus connection now, if any (undoing a half-made activation). */
  bus(): BusConnection | undefined;
  /** The last computed view. */
  view(): View | undefined;
  /** Whether the configuration has been reported to the core. */
  reported(identifier: string): boolean;
  readonly callTimeout?: number;
  readonly deactivateTimeout?: number;
}

/** The configuration with this identifier in the view, if any. */
export function findConfiguration(
  view: View | undefined,
  identifier: string,
): DriverConfiguration | undefined {
  return view?.configurations.find((c) => c.identifier === identifier);
}

/** The configuration with this identifier in the view; a DriverError naming the known ones when there is none. */
export function requireConfiguration(view: View | undefined, identifier: string): DriverConfiguration {
  const c = findConfiguration(view, identifier);
  if (!c) {
    const known = view?.configurations.map((x) => `'${x.name}' ${x.identifier}`).join(", ") || "none";
    throw new DriverError(
      "invalid-configuration",
      `no NetworkManager connection with UUID "${identifier}" (known: ${known})`,
    );
  }
  return c;
}

/** Activations and deactivations, the connections this driver brought up, and why activations failed. */
export class Activations {
  readonly #ctx: ActivationContext;
  #ours = new Set<string>();
  #reasons = new Map<string, number>();
  /** Active-connection paths this driver asked to go down (or whose half-made activation it undid). */
  #down = new Set<string>();
  /** Settings paths of this driver's activations under way. */
  #pending = new Set<string>();

  constructor(ctx: ActivationContext) {
    this.#ctx = ctx;
  }

  /** Notes an active connection's `StateChanged` (the reason of a DEACTIVATED one explains a failure). */
  stateChanged(path: string, state: number, reason: number): void {
    if (state === NMActiveConnectionState.DEACTIVATED) this.#reasons.set(path, reason);
  }

  /** Forgets what is gone: connections no longer active, reasons of objects that left. */
  prune(view: View): void {
    for (const id of [...this.#ours]) {
      if (!view.activePaths.has(id)) this.#ours.delete(id);
    }
    for (const path of [...this.#reasons.keys()]) {
      if (!this.#ctx.mirror.objects.has(path)) this.#reasons.delete(path);
    }
    for (const path of [...this.#down]) {
      if (!this.#ctx.mirror.objects.has(path)) this.#down.delete(path);
    }
  }

  /**
   * Whether the deactivation of this active connection is this driver's doing: it called `DeactivateConnection`
   * on it, or one of its activations under way can take over the connection's device (two profiles of one device:
   * NetworkManager takes the old one down when the new one starts).
   */
  ownDeactivation(path: string): boolean {
    if (this.#down.has(path)) return true;
    if (this.#pending.size === 0) return false;
    const m = this.#ctx.mirror;
    const devices = m.get(path, IFACE.active)?.Devices;
    return Array.isArray(devices) && devices.some((d) => {
      const available = m.get(d, IFACE.device)?.AvailableConnections;
      return Array.isArray(available) && available.some((c) => this.#pending.has(String(c)));
    });
  }

  /** `ActivateConnection`, then resolves once NetworkManager reports it ACTIVATED. */
  async activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    const ctx = this.#ctx;
    const conn = ctx.require(`activating ${identifier}`);
    const conf = requireConfiguration(ctx.view(), identifier);
    if (conf.type !== "internet-access-point") {
      throw new DriverError(
        "invalid-configuration",
        `'${conf.name}' (${identifier}) is a service network; activate one of its members (${conf.children})`,
      );
    }
    if (conf.state === "active") return;
    const what = `activation of '${conf.name}' (${identifier})`;
    if (options.signal?.aborted) {
      throw new DriverError(
        "session-aborted",
        `${what} was aborted before it started`,
      );
    }
    const settingsPath = ctx.view()!.connectionPaths.get(identifier)!;
    this.#pending.add(settingsPath);
    try {
      await this.#activate(conn, conf, settingsPath, options);
    } finally {
      this.#pending.delete(settingsPath);
    }
  }

  async #activate(
    conn: BusConnection,
    conf: DriverConfiguration,
    settingsPath: string,
    options: ActivateOptions,
  ): Promise<void> {
    const ctx = this.#ctx;
    const identifier = conf.identifier;
    const what = `activation of '${conf.name}' (${identifier})`;
    let acPath: string | undefined;
    let seen = false;
    const done = ctx.waiters.waitFor(
      what,
      options.timeout ?? 30000,
      options.signal,
      () => {
        if (
          ctx.reported(identifier) &&
          findConfiguration(ctx.view(), identifier)?.state === "active"
        ) return true;
        if (!acPath) return false;
        const ac = ctx.mirror.get(acPath, IFACE.active);
        if (ac) {
          seen = true;
          if (Number(ac.State) === NMActiveConnectionState.DEACTIVATED) {
            return this.#failure(conf, acPath);
          }
        } else if (seen) {
          return this.#failure(conf, acPath);
        }
        return false;
      },
    );
    try {
      const reply = await conn.call({
        path: NM_PATH,
        interface: IFACE.nm,
        member: "ActivateConnection",
        signature: "ooo",
        body: [settingsPath, "/", "/"],
      }, { timeout: ctx.callTimeout });
      acPath = String(reply.body[0]);
      this.#ours.add(identifier);
      ctx.waiters.kick();
    } catch (e) {
      done.cancel();
      throw toDriverError(e, what);
    }
    try {
      await done.promise;
    } catch (e) {
      // Timed out or aborted: do not leave a half-made activation behind.
      const bus = ctx.bus();
      if (
        findConfiguration(ctx.view(), identifier)?.state !== "active" && acPath && bus &&
        !bus.closed
      ) {
        this.#down.add(acPath);
        await bus.call({
          path: NM_PATH,
          interface: IFACE.nm,
          member: "DeactivateConnection",
          signature: "o",
          body: [acPath],
        }, { timeout: 5000 }).catch(() => {});
      }
      this.#ours.delete(identifier);
      throw e;
    }
  }

  /** `DeactivateConnection` if this driver activated it or `force` is set, then resolves once it is down. */
  async deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    const ctx = this.#ctx;
    const conn = ctx.require(`deactivating ${identifier}`);
    const conf = requireConfiguration(ctx.view(), identifier);
    if (conf.type !== "internet-access-point") return;
    const acPath = ctx.view()?.activePaths.get(identifier);
    if (!acPath) {
      this.#ours.delete(identifier);
      return;
    }
    if (!options.force && !this.#ours.has(identifier)) return;
    const what = `deactivation of '${conf.name}' (${identifier})`;
    this.#down.add(acPath);
    const done = ctx.waiters.waitFor(
      what,
      ctx.deactivateTimeout ?? 15000,
      options.signal,
      () =>
        !ctx.view()?.activePaths.has(identifier) &&
        findConfiguration(ctx.view(), identifier)?.state !== "active",
    );
    try {
      await conn.call({
        path: NM_PATH,
        interface: IFACE.nm,
        member: "DeactivateConnection",
        signature: "o",
        body: [acPath],
      }, { timeout: ctx.callTimeout });
    } catch (e) {
      if (
        !(e instanceof BusCallError &&
          e.dbusName === "org.freedesktop.NetworkManager.ConnectionNotActive")
      ) {
        done.cancel();
        this.#down.delete(acPath);
        throw toDriverError(e, what);
      }
      ctx.waiters.kick();
    }
    await done.promise;
    this.#ours.delete(identifier);
  }

  #failure(conf: DriverConfiguration, acPath: string): DriverError {
    const reason = this.#reasons.get(acPath);
    const text = reason !== undefined && AC_REASONS[reason] ? AC_REASONS[reason] : "NetworkManager gave up";
    return new DriverError(
      "unknown",
      `activation of '${conf.name}' (${conf.identifier}) failed: ${text}`,
    );
  }
}
