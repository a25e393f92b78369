/**
 * `@netsession/linux`: netsession's NetworkManager driver over D-Bus. Configurations are NetworkManager's saved
 * connections (identifier = connection UUID); service networks are its autoconnect connections and those of
 * an optional JSON file; every change made by anyone arrives as an event from D-Bus signals.
 *
 * @example
 * ```ts ignore
 * import { NetworkConfigurationManager } from "@netsession/core";
 * import { NetworkManagerDriver } from "@netsession/linux";
 *
 * const manager = await NetworkConfigurationManager.create(new NetworkManagerDriver());
 * const session = manager.createSession(manager.configurationFromIdentifier("<connection uuid>"));
 * console.log(await session.open(), session.interface);
 * session.close();
 * await manager.close();
 * ```
 *
 * @module
 */
export { NetworkManagerDriver, type NetworkManagerDriverOptions } from "./network_manager_driver.ts";
export {
  bearerTypeFromConnectionType,
  type Connectivity,
  connectivityFromNetworkManager,
  type ConnectivityValues,
  isMetered,
  type LinkReachability,
  parseServiceNetworks,
  reachabilityFromConnectivity,
  type ServiceNetworkDefinition,
} from "./mapping.ts";
export {
  NMActiveConnectionState,
  NMActiveConnectionStateReason,
  NMConnectivityState,
  NMDeviceState,
  NMDeviceType,
  NMMetered,
  NMState,
} from "./nm_enums.ts";
// The driver contract and the value unions this package's API mentions, so that its documentation is
// complete (`deno doc --lint`) and users need one import.
export * from "@netsession/core/driver";
