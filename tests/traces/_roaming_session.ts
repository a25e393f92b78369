/**
 * The session script behind `sim_roaming.jsonl`: a service network
 * `internet` (WLAN over LTE), one ALR session on it. The world changes run
 * only while recording (`world` given); the application's part (open, migrate,
 * accept then reject, reopen) runs in both, so a replay must give the same
 * session events at the same virtual times.
 *
 *   0      open (WLAN out of range: LTE)
 *   1000   "another program" takes LTE down (external deactivation)
 *   2000   reopen (LTE)
 *   3000   WLAN in range: preferred → migrate → activated → accept
 *   5000   WLAN lost (carrier loss, signal 0)
 *   7000   WLAN back: preferred → migrate → activated → reject
 *   9000   close
 *
 * Record the fixture again with `deno run -A tests/traces/record_sim_roaming.ts`.
 *
 * @module
 */
import { NetworkConfigurationManager, type NetworkDriver } from "../../core/mod.ts";
import type { SimWorld, VirtualClock } from "../../drivers/sim/mod.ts";

/** The world the fixture was recorded in. */
export function roamingWorld(world: SimWorld): void {
  world.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 0, activationMs: 200, deactivationMs: 50 });
  world.addAccessPoint({ id: "lte", bearer: "lte", metered: true, activationMs: 400, deactivationMs: 50 });
  world.addServiceNetwork({ id: "internet", members: ["wlan", "lte"] });
  world.setDefault("internet");
}

/** Runs the script on `driver`; returns the session's events as `at event[:detail]`. */
export async function roamingSession(
  driver: NetworkDriver,
  clock: VirtualClock,
  world?: SimWorld,
): Promise<string[]> {
  const manager = await NetworkConfigurationManager.create(driver, { clock });
  const t0 = clock.now();
  const session = manager.createSession(manager.configurationFromIdentifier("internet"));
  const log: string[] = [];
  const note = (event: string, detail?: string) =>
    log.push(`${clock.now() - t0} ${event}${detail === undefined ? "" : `:${detail}`}`);
  let answer: "accept" | "reject" = "accept";
  session.on("stateChanged", (s) => note("stateChanged", s));
  session.on("opened", () => note("opened"));
  session.on("closed", () => note("closed"));
  session.on("error", (e) => note("error", e));
  session.on("losing", (e) => note("losing", String(e.msToLive)));
  session.on("preferredConfigurationChanged", ({ configuration }) => {
    note("preferredConfigurationChanged", configuration.identifier);
    session.migrate();
  });
  session.on("newConfigurationActivated", () => {
    note("newConfigurationActivated");
    session[answer]();
  });
  const until = async (at: number) => await clock.advance(t0 + at - clock.now());
  session.open();
  await until(1000);
  world?.deactivateExternally("lte");
  await until(2000);
  session.open();
  await until(3000);
  world?.setSignal("wlan", 80);
  await until(5000);
  world?.setSignal("wlan", 0);
  await until(7000);
  answer = "reject";
  world?.setSignal("wlan", 80);
  await until(9000);
  session.close();
  await until(10000);
  await manager.close();
  return log;
}
