/**
 * `@netsession/server`: the netsession daemon. It owns one driver (the
 * simulator or NetworkManager) and one `NetworkConfigurationManager`, holds
 * the system-wide session counter for many processes (one daemon-side session
 * per client lease), and serves HTTP/JSON under `/v1/`, events as
 * Server-Sent Events and WebSocket, a dashboard at `/` and Prometheus text at
 * `/metrics`. {@linkcode RemoteDriver} is the client side: another process's
 * `NetworkConfigurationManager` on it shares the daemon's counter.
 *
 * @example Run a daemon on the simulator and use it from a client
 * ```ts ignore
 * import { RemoteDriver, serve } from "@netsession/server";
 * import { NetworkConfigurationManager } from "@netsession/core";
 *
 * const server = await serve({ driver: "sim", port: 0, tokenFile: "/tmp/netsession-token" });
 * const manager = await NetworkConfigurationManager.create(
 *   new RemoteDriver({ url: server.url, token: server.token }),
 * );
 * const session = manager.createSession(manager.defaultConfiguration());
 * console.log(await session.open(), session.state); // true "connected"
 * session.close();
 * await manager.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */
export * from "./protocol.ts";
export * from "./protocol_events.ts";
export * from "./errors.ts";
export * from "./event_bus.ts";
export * from "./daemon.ts";
export type { OpenSessionRequest } from "./daemon_sessions.ts";
export type { DaemonCounters } from "./metrics.ts";
export type { ClientSummary } from "./clients.ts";
export type { WorldScenario } from "./sim_control.ts";
export type { GuardLimits } from "./_conn_guard.ts";
export * from "./app.ts";
export * from "./dashboard.ts";
export * from "./default_world.ts";
export * from "./remote_driver.ts";
export * from "./serve.ts";
// The core (a client needs it beside RemoteDriver anyway), the simulator types and the Hono type this
// package's API mentions, re-exported so that its documentation is complete (`deno doc --lint`) and a client
// needs one import.
export * from "@netsession/core";
export type {
  SimAccessPoint,
  SimAccessPointOptions,
  SimHolders,
  SimLinkPhase,
  SimScenario,
  SimScenarioStep,
  SimServiceNetworkOptions,
  SimTraffic,
  SimUserChoiceOptions,
  SimWorld,
  SimWorldOptions,
} from "@netsession/sim";
export type { SimRandom, VirtualClock } from "@netsession/sim";
