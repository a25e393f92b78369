// The world half of the lab session scripts of tests/traces/_lab_sessions.ts (issue 14's fidelity check): a lab
// with lab-a and lab-b grouped in the service network "office", a RecordingDriver over the real
// NetworkManagerDriver, and the lab actions (nmcli connection down, peerDown, peerUp) that happen only live.
// Used by tests/linux/fidelity_test.ts and tests/traces/record_lab_traces.ts.
import {
  type DriverTrace,
  NetworkConfigurationManager,
  RecordingDriver,
  systemClock,
} from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { type Lab, startLab } from "../../scripts/lab/lab.ts";
import {
  ALR_ACCEPT_REJECT,
  DEACTIVATION_CARRIER_LOSS,
  type LabApplication,
  type LabScript,
  runLabApplication,
  SERVICE_NETWORK,
} from "../traces/_lab_sessions.ts";
import { until } from "./_helpers.ts";

/** What a live run gives: the trace and the session events the application saw. */
export interface LiveRun {
  readonly trace: DriverTrace;
  readonly log: readonly string[];
}

interface World {
  lab: Lab;
  manager: NetworkConfigurationManager;
  app: LabApplication;
}

/** The state of a device in the lab's NetworkManager (`20 (unavailable)`, `30 (disconnected)`, …). */
async function deviceState(lab: Lab, name: string): Promise<number> {
  const out = await lab.nmcli("-g", "GENERAL.STATE", "device", "show", lab.interfaces[name]);
  return Number.parseInt(out.trim(), 10);
}

async function untilDevice(
  lab: Lab,
  name: string,
  ok: (state: number) => boolean,
  what: string,
): Promise<void> {
  const end = Date.now() + 15_000;
  while (!ok(await deviceState(lab, name))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${await lab.log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const state = (w: World, name: string) => w.manager.configurationFromIdentifier(w.lab.uuids[name]).state;
/** Whether the session's last state change was to connected. */
const connected = (w: World) =>
  w.app.log.findLast((l) => l.startsWith("stateChanged:"))?.startsWith("stateChanged:connected") === true;

/** What the lab does before the recording starts (out of range), and while the application runs. */
const WORLDS = new Map<
  LabScript,
  { before: (lab: Lab) => Promise<void>; during: (w: World) => Promise<void> }
>([
  [ALR_ACCEPT_REJECT, {
    before: async (lab) => {
      await lab.peerDown("lab-a");
      await untilDevice(lab, "lab-a", (s) => s === 20, "ns-a unavailable");
    },
    during: async (w) => {
      await until(() => w.app.opened() === 1 && connected(w), "the session open on lab-b");
      await w.lab.peerUp("lab-a"); // lab-a back: the offer, migrate, accept
      await until(
        () => w.app.answered() === 1 && connected(w) && state(w, "lab-b") !== "active",
        "the roam to lab-a, lab-b released",
      );
      await w.lab.peerDown("lab-a"); // carrier lost: the offer of lab-b, migrate, accept
      await until(() => w.app.answered() === 2 && connected(w), "the roam back to lab-b");
      await untilDevice(w.lab, "lab-a", (s) => s === 20, "ns-a unavailable");
      await w.lab.peerUp("lab-a"); // lab-a back again: the offer, migrate, reject; then close
    },
  }],
  [DEACTIVATION_CARRIER_LOSS, {
    before: async (lab) => {
      await lab.peerDown("lab-b");
      await untilDevice(lab, "lab-b", (s) => s === 20, "ns-b unavailable");
    },
    during: async (w) => {
      await until(() => w.app.opened() === 1 && connected(w), "the session open on lab-a");
      await w.lab.nmcli("connection", "down", w.lab.uuids["lab-a"]); // another program: aborted, open again
      await until(() => w.app.opened() === 2 && connected(w), "the session open again on lab-a");
      await w.lab.peerUp("lab-b");
      await until(() => state(w, "lab-b") === "discovered", "lab-b in range");
      await w.lab.peerDown("lab-a"); // carrier lost: the offer of lab-b, migrate, accept; then close
    },
  }],
]);

/**
 * Runs `script` live against a fresh lab, recorded by a `RecordingDriver` on the system clock; resolves to the
 * trace and the session events the application saw.
 */
export async function recordLabScript(script: LabScript): Promise<LiveRun> {
  const world = WORLDS.get(script);
  if (!world) throw new Error(`no world half for ${script.fixture}`);
  const lab = await startLab({ accessPoints: 2 });
  let manager: NetworkConfigurationManager | undefined;
  try {
    const file = `${lab.dir}/service-networks.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        serviceNetworks: [{
          id: SERVICE_NETWORK,
          name: "Office",
          members: [lab.uuids["lab-a"], lab.uuids["lab-b"]],
        }],
      }),
    );
    await world.before(lab);
    const recording = new RecordingDriver(
      new NetworkManagerDriver({ busAddress: lab.busAddress, serviceNetworks: file }),
      { clock: systemClock, note: script.note },
    );
    manager = await NetworkConfigurationManager.create(recording, { clock: systemClock });
    const app = runLabApplication(manager, script);
    const w = { lab, manager, app };
    try {
      let worldDone = false;
      const during = world.during(w).then(() => {
        worldDone = true;
      });
      during.catch(() => {}); // reported by the race below, or moot once the script ended early
      await Promise.race([
        during,
        app.done.then(() => {
          if (!worldDone) throw new Error("the script ended before the world half did");
        }),
      ]);
      let over = false;
      void app.done.then(() => over = true);
      await until(() => over, "the script to end");
    } catch (e) {
      throw new Error(`${(e as Error).message}\nsession events: ${app.log.join(", ")}\n${await lab.log(40)}`);
    }
    await new Promise((r) => setTimeout(r, 200)); // trailing events of the last deactivation
    await manager.close();
    manager = undefined;
    return { trace: recording.trace, log: [...app.log] };
  } finally {
    await manager?.close().catch(() => {});
    await lab.stop();
  }
}
