/**
 * `@netsession/core`: network session management (the QNetworkSession model)
 * for TypeScript, runtime-agnostic. Open a {@linkcode NetworkSession} on a
 * {@linkcode NetworkConfiguration} from a {@linkcode NetworkConfigurationManager}
 * built on a driver (the simulator, NetworkManager, or the daemon).
 *
 * @example
 * ```ts ignore
 * import { NetworkConfigurationManager } from "@netsession/core";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 *
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 80 });
 * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
 * const session = manager.createSession(manager.defaultConfiguration());
 * const opening = session.open();
 * await world.advance(1000);
 * console.log(await opening, session.state); // true "connected"
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./clock.ts";
export * from "./driver.ts";
export * from "./emitter.ts";
export * from "./session_model.ts";
export * from "./session_machine.ts";
export * from "./configuration.ts";
export * from "./leases.ts";
export * from "./trace.ts";
export * from "./recording_driver.ts";
export * from "./data_budgets.ts";
export * from "./manager_types.ts";
export * from "./manager.ts";
export * from "./reachability.ts";
export * from "./needs.ts";
export * from "./roaming_policy.ts";
export * from "./session_host.ts";
export * from "./session_events.ts";
export * from "./network_session.ts";
