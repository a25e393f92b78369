/**
 * NetworkManager's D-Bus enums the driver reads, by the names of NetworkManager's D-Bus API reference
 * (`nm-dbus-types`): `NMDeviceState.ACTIVATED` is `NM_DEVICE_STATE_ACTIVATED`. Only values, no behaviour.
 *
 * @module
 */

/**
 * `NMState`: NetworkManager's overall networking state (the `State` property of `/org/freedesktop/NetworkManager`).
 *
 * @example
 * ```ts
 * import { NMState } from "@netsession/linux";
 * console.log(NMState.CONNECTED_GLOBAL); // 70
 * ```
 */
export const NMState = {
  UNKNOWN: 0,
  ASLEEP: 10,
  DISCONNECTED: 20,
  DISCONNECTING: 30,
  CONNECTING: 40,
  CONNECTED_LOCAL: 50,
  CONNECTED_SITE: 60,
  CONNECTED_GLOBAL: 70,
} as const;

/**
 * `NMConnectivityState`: the result of NetworkManager's connectivity check (its `Connectivity` property).
 *
 * @example
 * ```ts
 * import { connectivityFromNetworkManager, NMConnectivityState } from "@netsession/linux";
 * console.log(connectivityFromNetworkManager(NMConnectivityState.PORTAL)); // "portal"
 * ```
 */
export const NMConnectivityState = {
  UNKNOWN: 0,
  NONE: 1,
  PORTAL: 2,
  LIMITED: 3,
  FULL: 4,
} as const;

/**
 * `NMMetered`: whether traffic is charged (`connection.metered` setting, `Metered` of devices and of NetworkManager).
 *
 * @example
 * ```ts
 * import { isMetered, NMMetered } from "@netsession/linux";
 * console.log(isMetered(NMMetered.UNKNOWN, NMMetered.GUESS_YES)); // true
 * ```
 */
export const NMMetered = {
  UNKNOWN: 0,
  YES: 1,
  NO: 2,
  GUESS_YES: 3,
  GUESS_NO: 4,
} as const;

/**
 * `NMDeviceState`: the `State` of a device.
 *
 * @example
 * ```ts
 * import { NMDeviceState } from "@netsession/linux";
 * const canActivate = (state: number) => state >= NMDeviceState.DISCONNECTED;
 * console.log(canActivate(NMDeviceState.UNAVAILABLE)); // false
 * ```
 */
export const NMDeviceState = {
  UNKNOWN: 0,
  UNMANAGED: 10,
  UNAVAILABLE: 20,
  DISCONNECTED: 30,
  PREPARE: 40,
  CONFIG: 50,
  NEED_AUTH: 60,
  IP_CONFIG: 70,
  IP_CHECK: 80,
  SECONDARIES: 90,
  ACTIVATED: 100,
  DEACTIVATING: 110,
  FAILED: 120,
} as const;

/**
 * `NMDeviceType`: the `DeviceType` of a device.
 *
 * @example
 * ```ts
 * import { NMDeviceType } from "@netsession/linux";
 * console.log(NMDeviceType.MODEM); // 8
 * ```
 */
export const NMDeviceType = {
  UNKNOWN: 0,
  ETHERNET: 1,
  WIFI: 2,
  UNUSED1: 3,
  UNUSED2: 4,
  BT: 5,
  OLPC_MESH: 6,
  WIMAX: 7,
  MODEM: 8,
  INFINIBAND: 9,
  BOND: 10,
  VLAN: 11,
  ADSL: 12,
  BRIDGE: 13,
  GENERIC: 14,
  TEAM: 15,
  TUN: 16,
  IP_TUNNEL: 17,
  MACVLAN: 18,
  VXLAN: 19,
  VETH: 20,
  MACSEC: 21,
  DUMMY: 22,
  PPP: 23,
  OVS_INTERFACE: 24,
  OVS_PORT: 25,
  OVS_BRIDGE: 26,
  WPAN: 27,
  "6LOWPAN": 28,
  WIREGUARD: 29,
  WIFI_P2P: 30,
  VRF: 31,
  LOOPBACK: 32,
} as const;

/**
 * `NMActiveConnectionState`: the `State` of an active connection (also the first argument of its
 * `StateChanged` signal).
 *
 * @example
 * ```ts
 * import { NMActiveConnectionState } from "@netsession/linux";
 * console.log(NMActiveConnectionState.ACTIVATED); // 2
 * ```
 */
export const NMActiveConnectionState = {
  UNKNOWN: 0,
  ACTIVATING: 1,
  ACTIVATED: 2,
  DEACTIVATING: 3,
  DEACTIVATED: 4,
} as const;

/**
 * `NMActiveConnectionStateReason`: why an active connection changed state (the second argument of its
 * `StateChanged` signal).
 *
 * @example
 * ```ts
 * import { NMActiveConnectionStateReason } from "@netsession/linux";
 * console.log(NMActiveConnectionStateReason.USER_DISCONNECTED); // 2
 * ```
 */
export const NMActiveConnectionStateReason = {
  UNKNOWN: 0,
  NONE: 1,
  USER_DISCONNECTED: 2,
  DEVICE_DISCONNECTED: 3,
  SERVICE_STOPPED: 4,
  IP_CONFIG_INVALID: 5,
  CONNECT_TIMEOUT: 6,
  SERVICE_START_TIMEOUT: 7,
  SERVICE_START_FAILED: 8,
  NO_SECRETS: 9,
  LOGIN_FAILED: 10,
  CONNECTION_REMOVED: 11,
  DEPENDENCY_FAILED: 12,
  DEVICE_REALIZE_FAILED: 13,
  DEVICE_REMOVED: 14,
} as const;
