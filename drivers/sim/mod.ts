/**
 * `@netsession/sim`: a scriptable access-point simulator for netsession. A
 * {@linkcode SimWorld} holds access points, service networks and links on a
 * {@linkcode VirtualClock}; a {@linkcode SimDriver} reports the world to the
 * core. Nothing waits on the wall clock: time moves with `world.advance(ms)`.
 *
 * @example
 * ```ts
 * import { SimDriver, SimWorld } from "@netsession/sim";
 *
 * const world = new SimWorld({ seed: 42 });
 * world.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 80, activationMs: 200 });
 * world.addAccessPoint({ id: "lte", bearer: "lte", metered: true });
 * world.addServiceNetwork({ id: "internet", members: ["wlan", "lte"] });
 * world.setDefault("internet");
 *
 * const driver = new SimDriver(world);
 * await driver.start((event) => console.log(event.type));
 * const up = driver.activate("wlan");
 * await world.advance(200);
 * await up;
 * world.setSignal("wlan", 0); // the link is lost: "configuration-changed"
 * ```
 *
 * @module
 */
export * from "./virtual_clock.ts";
export * from "./random.ts";
export * from "./errors.ts";
export * from "./access_point_options.ts";
export * from "./service_network_options.ts";
export * from "./world_types.ts";
export type { SimLinkPhase } from "./link.ts";
export { SimWorld } from "./world.ts";
export * from "./driver.ts";
export * from "./replay_driver.ts";
export {
  SCENARIO_ACTIONS,
  SCENARIO_PROCESS_ACTIONS,
  SESSION_ACTIONS,
  type SimExpectation,
  type SimExpectStep,
  type SimFailure,
  type SimPlayOptions,
  type SimPlayResult,
  type SimProcessStep,
  type SimRepeatStep,
  type SimScenario,
  type SimScenarioSession,
  type SimScenarioStep,
  type SimSessionStep,
  type SimStep,
  type SimTimelineEntry,
  type SimWorldStep,
} from "./scenario_types.ts";
export { type ParsedScenario, parseScenario } from "./scenario_parse.ts";
export { ScenarioError, type ScenarioIssue } from "./scenario_error.ts";
export { applyWorldStep } from "./scenario_play.ts";
export { scenarioFromTrace, type TraceScenario } from "./scenario_from_trace.ts";
// The driver contract and the value unions this package's API mentions, so that its documentation is
// complete (`deno doc --lint`) and users need one import.
export * from "@netsession/core/driver";
