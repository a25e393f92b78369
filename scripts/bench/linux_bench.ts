// deno task bench:linux   (needs root and network-manager: it starts a private lab, as the Linux tests do)
//
// Against one real private NetworkManager (scripts/lab), in one run:
//  (a) session.open() -> opened through NetworkManagerDriver, vs a bare dbus-next ActivateConnection waiting for
//      the active connection's StateChanged to ACTIVATED;
//  (b) an external deactivation (DeactivateConnection sent from a second bus connection, "another program")
//      -> our session's stateChanged, vs a bare dbus-next subscription to the same signal.
// The baseline uses dbus-next's MessageBus directly (AddMatch + raw method calls, no proxy introspection), the
// cheapest way to talk to NetworkManager from Deno. Prints medians and ratios (goal: within 1.2x).
// RUNS=N sets the number of rounds (default 25). All traffic stays inside the lab.
import dbus from "dbus-next";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { startLab } from "../lab/lab.ts";

const RUNS = Number(Deno.env.get("RUNS") ?? 25);
const NM = "org.freedesktop.NetworkManager";
const AC = `${NM}.Connection.Active`;
const ACTIVATED = 2, DEACTIVATING = 3, DEACTIVATED = 4;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Msg {
  type: number;
  path?: string;
  interface?: string;
  member?: string;
  // deno-lint-ignore no-explicit-any
  body: any[];
}
// deno-lint-ignore no-explicit-any
type Bus = any;

/** A bare client: one MessageBus, raw calls, and a listener per active-connection path for StateChanged. */
async function bareClient(busAddress: string) {
  const bus: Bus = dbus.sessionBus({ busAddress });
  const waiters = new Map<string, (state: number) => void>();
  const lastState = new Map<string, number>();
  bus.on("message", (m: Msg) => {
    if (m.type !== 4 || m.interface !== AC || m.member !== "StateChanged" || !m.path) return;
    lastState.set(m.path, m.body[0]);
    waiters.get(m.path)?.(m.body[0]);
  });
  const call = async (path: string, iface: string, member: string, signature = "", body: unknown[] = []) =>
    (await bus.call(
      new dbus.Message({ destination: NM, path, interface: iface, member, signature, body }),
    )).body;
  await bus.call(
    new dbus.Message({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "AddMatch",
      signature: "s",
      body: [`type='signal',sender='${NM}',interface='${AC}',member='StateChanged'`],
    }),
  );
  /** Resolves when the active connection at `path` reaches one of `states` (or already has). */
  const stateOf = (path: string, states: number[]) =>
    new Promise<number>((resolve) => {
      if (states.includes(lastState.get(path) ?? -1)) return resolve(performance.now());
      waiters.set(path, (s) => {
        if (states.includes(s)) {
          waiters.delete(path);
          resolve(performance.now());
        }
      });
    });
  return { bus, call, stateOf };
}

const lab = await startLab({ accessPoints: 1 });
try {
  const uuid = lab.uuids["lab-a"];
  const bare = await bareClient(lab.busAddress);
  const actor = await bareClient(lab.busAddress); // "another program" (nmcli would do the same call)
  const [connectionPath] = await bare.call(
    "/org/freedesktop/NetworkManager/Settings",
    `${NM}.Settings`,
    "GetConnectionByUuid",
    "s",
    [uuid],
  );
  const activeConnections = async (): Promise<string[]> =>
    (await bare.call("/org/freedesktop/NetworkManager", "org.freedesktop.DBus.Properties", "Get", "ss", [
      NM,
      "ActiveConnections",
    ]))[0].value;
  const untilDown = async () => {
    const end = Date.now() + 15_000;
    while ((await activeConnections()).length > 0) {
      if (Date.now() > end) throw new Error("the lab connection did not go down within 15 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  const driver = new NetworkManagerDriver({ busAddress: lab.busAddress });
  const manager = await NetworkConfigurationManager.create(driver);
  const config = manager.configurationFromIdentifier(uuid);

  const openOurs: number[] = [], openBare: number[] = [];
  const downOurs: number[] = [], downBare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // (a) bare activation until ACTIVATED ...
    let t0 = performance.now();
    const [acPath] = await bare.call("/org/freedesktop/NetworkManager", NM, "ActivateConnection", "ooo", [
      connectionPath,
      "/",
      "/",
    ]);
    openBare.push((await bare.stateOf(acPath, [ACTIVATED])) - t0);
    // (b) ... then an external deactivation seen by the bare subscription.
    const seenBare = bare.stateOf(acPath, [DEACTIVATING, DEACTIVATED]);
    t0 = performance.now();
    await actor.call("/org/freedesktop/NetworkManager", NM, "DeactivateConnection", "o", [acPath]);
    downBare.push((await seenBare) - t0);
    await untilDown();

    // (a) ours: open() until opened ...
    const session = manager.createSession(config);
    t0 = performance.now();
    if (!(await session.open())) throw new Error(`open failed: ${session.errorString}`);
    openOurs.push(performance.now() - t0);
    // (b) ... then the same external deactivation, seen as the session's stateChanged.
    const [ours] = await activeConnections();
    const seenOurs = new Promise<number>((resolve) => {
      const sub = session.on("stateChanged", () => {
        sub.unsubscribe();
        resolve(performance.now());
      });
    });
    t0 = performance.now();
    await actor.call("/org/freedesktop/NetworkManager", NM, "DeactivateConnection", "o", [ours]);
    downOurs.push((await seenOurs) - t0);
    await untilDown();
    session[Symbol.dispose]();
  }

  const report = (label: string, ours: number[], base: number[]) => {
    const o = median(ours), b = median(base);
    console.log(
      `${label.padEnd(56)} ours ${o.toFixed(2)} ms, bare dbus-next ${b.toFixed(2)} ms, ratio ${
        (o / b).toFixed(2)
      }x ${o / b <= 1.2 ? "(goal 1.2x: met)" : "(goal 1.2x: NOT met)"}`,
    );
  };
  console.log(`NetworkManager lab, ${RUNS} rounds, medians:`);
  report("open() -> opened vs ActivateConnection -> ACTIVATED", openOurs, openBare);
  report("external deactivation -> stateChanged vs bare signal", downOurs, downBare);
  console.log(
    `Qt's NetworkManager backend polled every 10 s: an external change could take up to 10000 ms to be seen ` +
      `(here ${median(downOurs).toFixed(2)} ms).`,
  );
  await manager.close();
  bare.bus.disconnect();
  actor.bus.disconnect();
} finally {
  await lab.stop();
}
