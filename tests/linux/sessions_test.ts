// Sessions through the core on a real private NetworkManager (scripts/lab): roaming between two veth access points
// (application-level migrate/accept and reject, forced on loss), external actors (a peer link going down, another
// process), metered links, connectivity, and NetworkManager restarting under an open session.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { type Lab, labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { trace, until } from "./_helpers.ts";

const skip = await labSkipReason("tests/linux/sessions_test.ts");

interface Ctx {
  lab: Lab;
  manager: NetworkConfigurationManager;
  driver: NetworkManagerDriver;
  a: string;
  b: string;
}

/** A lab with lab-a (preferred) and lab-b (metered) grouped in the service network "office". */
async function withLab(fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const lab = await startLab({ accessPoints: 2 });
  const a = lab.uuids["lab-a"], b = lab.uuids["lab-b"];
  const file = `${lab.dir}/service-networks.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({ serviceNetworks: [{ id: "office", name: "Office", members: [a, b] }] }),
  );
  const driver = new NetworkManagerDriver({ busAddress: lab.busAddress, serviceNetworks: file });
  let manager: NetworkConfigurationManager | undefined;
  try {
    manager = await NetworkConfigurationManager.create(driver);
    await fn({ lab, manager, driver, a, b });
  } finally {
    await manager?.close().catch(() => {});
    await lab.stop();
  }
}

const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name:
    "linux: ALR — a preferred member coming back is offered; migrate, accept; the old connection goes down",
  fn: () =>
    withLab(async ({ lab, manager, a, b }) => {
      await lab.peerDown("lab-a");
      await until(() => manager.configurationFromIdentifier(a).state === "defined", "lab-a out of range");
      const s = manager.createSession(manager.configurationFromIdentifier("office"));
      const offers: string[] = [];
      s.on("preferredConfigurationChanged", ({ configuration }) => {
        offers.push(configuration.identifier);
        s.migrate();
      });
      s.on("newConfigurationActivated", () => s.accept());
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(s.sessionProperty("ActiveConfiguration"), b);
      assert.deepEqual(s.usagePolicies, ["no-background-traffic"]); // lab-b is metered
      await lab.peerUp("lab-a");
      await until(() => s.sessionProperty("ActiveConfiguration") === a, "the session to move to lab-a");
      await until(() => manager.configurationFromIdentifier(b).state !== "active", "lab-b to be released");
      assert.deepEqual(offers, [a]);
      assert.equal(s.state, "connected");
      assert.equal(s.interface?.name, lab.interfaces["lab-a"]);
      // The system-wide policy follows NetworkManager's primary connection, which moves a moment later.
      await until(() => s.usagePolicies.length === 0, "the metered policy to lift");
      // NetworkManager lists a connection while it deactivates: give lab-b the time to finish going down.
      let active: string[] = [];
      for (const end = Date.now() + 15_000; Date.now() < end;) {
        active = (await lab.nmcli("-g", "UUID", "connection", "show", "--active")).trim().split("\n")
          .filter((l) => l !== "");
        if (active.length === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(active, [a]);
    }),
});

Deno.test({
  ...opts,
  name: "linux: ALR — reject returns to the previous connection and the new one goes down",
  fn: () =>
    withLab(async ({ lab, manager, a, b }) => {
      await lab.peerDown("lab-a");
      await until(() => manager.configurationFromIdentifier(a).state === "defined", "lab-a out of range");
      const s = manager.createSession(manager.configurationFromIdentifier("office"));
      let activated = false;
      s.on("preferredConfigurationChanged", () => s.migrate());
      s.on("newConfigurationActivated", () => {
        activated = true;
        s.reject();
      });
      assert.equal(await s.open(), true, s.errorString);
      await lab.peerUp("lab-a");
      await until(() => activated, "the roam to lab-a");
      await until(() => manager.configurationFromIdentifier(a).state !== "active", "lab-a to be released");
      assert.equal(s.sessionProperty("ActiveConfiguration"), b);
      assert.equal(manager.configurationFromIdentifier(b).state, "active");
      assert.equal(s.state, "connected");
    }),
});

Deno.test({
  ...opts,
  name:
    "linux: forced roaming — the peer link of the current member goes down; the session moves to the next",
  fn: () =>
    withLab(async ({ lab, manager, a, b }) => {
      const s = manager.createSession(manager.configurationFromIdentifier("office"));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(s.sessionProperty("ActiveConfiguration"), a);
      const log = trace(s);
      await lab.peerDown("lab-a");
      await until(
        () => s.sessionProperty("ActiveConfiguration") === b && s.state === "connected",
        "a forced roam",
      );
      assert.deepEqual(log.filter((l) => l.startsWith("state:")), ["state:roaming", "state:connected"]);
      assert.equal(s.isOpen, true);
      assert.equal(s.interface?.name, lab.interfaces["lab-b"]);
    }),
});

Deno.test({
  ...opts,
  name: "linux: a peer link going down under a single access point closes the session with session-aborted",
  fn: () =>
    withLab(async ({ lab, manager, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      const log = trace(s);
      await lab.peerDown("lab-a");
      await until(() => log.includes("closed"), "the session to close").catch(async (error) => {
        // seen once under a loaded parallel run: say whether NetworkManager took the link down and what the core saw
        const devices = await lab.nmcli("-t", "-f", "DEVICE,STATE,CONNECTION", "device").catch(String);
        const view = manager.configurationFromIdentifier(a);
        throw new Error(
          `${error.message}; session log: ${log.join(",")}; session ${s.state}; '${a}' ${view.state}; ` +
            `NetworkManager's devices: ${devices.trim().replaceAll("\n", " | ")}`,
        );
      });
      assert.ok(log.includes("error:session-aborted"), log.join(","));
      assert.equal(s.isOpen, false);
    }),
});

Deno.test({
  ...opts,
  name:
    "linux: connectivity full/portal/limited from the lab's server reaches the driver; isOnline follows the link",
  fn: () =>
    withLab(async ({ lab, manager, driver, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(manager.isOnline(), true);
      for (const mode of ["portal", "limited", "full"] as const) {
        await lab.setConnectivity("lab-a", mode);
        const level = await driver.checkConnectivity();
        assert.equal(level, mode);
        assert.equal(driver.connectivity, mode);
      }
      s.close();
      await until(() => !manager.isOnline(), "offline after the last close");
    }),
});

Deno.test({
  ...opts,
  name:
    "linux: NetworkManager restarting under an open session: the driver resyncs and the session stays open",
  fn: () =>
    withLab(async ({ lab, manager, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      const log = trace(s);
      await lab.restartNetworkManager();
      await until(
        () => manager.configurationFromIdentifier(a).state === "active",
        "lab-a active after the restart",
      );
      assert.equal(s.isOpen, true);
      assert.ok(!log.includes("closed"), log.join(","));
      // The driver follows the new daemon: a close still takes the connection down.
      s.close();
      await until(() => s.state === "disconnected", "the close after the restart");
    }),
});

Deno.test({
  ...opts,
  name: "linux: another process opening and closing a connection is seen here as events",
  fn: () =>
    withLab(async ({ lab, manager, a }) => {
      const c = manager.configurationFromIdentifier(a);
      const states: string[] = [];
      manager.on("configurationChanged", (x) => x.identifier === a && states.push(x.state));
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          fileURLToPath(new URL("./_other_process.ts", import.meta.url)),
          lab.busAddress,
          a,
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let printed = "";
      while (!printed.includes("opened")) {
        const { value, done } = await out.read();
        if (done) throw new Error(`the other process ended: ${printed}`);
        printed += value;
      }
      await until(() => c.state === "active", "the other process's connection to show here");
      const mine = manager.createSession(c);
      assert.equal(mine.state, "connected"); // a monitor of another process's link
      assert.equal(mine.isOpen, false);
      await child.stdin.close(); // the child closes its session and exits
      assert.equal((await child.status).code, 0);
      await out.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await until(() => c.state === "discovered", "the connection to go down here too");
      assert.ok(states.includes("active") && states.at(-1) === "discovered", states.join(","));
    }),
});
