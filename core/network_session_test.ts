import assert from "node:assert/strict";
import { ap, FakeDriver, ManualClock, settle } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import { NetworkSession } from "./network_session.ts";
import { sessionLog } from "./_session_log.ts";

async function setup(configs = [ap("a"), ap("b", { bearerType: "ethernet" })]) {
  const driver = new FakeDriver(configs);
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const manager = await NetworkConfigurationManager.create(driver, {
    clock,
    onListenerError: (e) => errors.push(e),
  });
  return { driver, clock, manager, errors };
}

const record = (session: NetworkSession) => sessionLog(session);

Deno.test("open() activates the access point and resolves true once connected", async () => {
  const { driver, manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const log = record(s);
  assert.equal(s.state, "disconnected");
  const p = s.open();
  assert.equal(s.state, "connecting");
  assert.equal(await p, true);
  assert.equal(s.isOpen, true);
  assert.equal(s.state, "connected");
  assert.deepEqual(driver.calls, ["activate a"]);
  assert.deepEqual(log, ["state:connecting", "state:connected", "opened"]);
});

Deno.test("close() keeps the interface up while another session is open", async () => {
  const { driver, manager } = await setup();
  const c = manager.configurationFromIdentifier("a");
  const s1 = manager.createSession(c), s2 = manager.createSession(c);
  await s1.open();
  await s2.open();
  assert.equal(manager.leases.count("a"), 2);
  const log1 = record(s1);
  s1.close();
  await settle();
  assert.deepEqual(log1, ["closed"]);
  assert.equal(s1.isOpen, false);
  assert.equal(s1.state, "connected"); // still up: s2 holds it
  assert.equal(s2.state, "connected");
  assert.deepEqual(driver.calls, ["activate a"]);
  const log2 = record(s2);
  s2.close();
  assert.equal(s2.state, "closing");
  await settle();
  assert.deepEqual(driver.calls, ["activate a", "deactivate a"]);
  assert.deepEqual(log2, ["state:closing", "state:disconnected", "closed"]);
  assert.equal(s1.state, "disconnected");
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("stop() takes the interface down and aborts every other session on it", async () => {
  const { driver, manager } = await setup();
  const c = manager.configurationFromIdentifier("a");
  const s1 = manager.createSession(c), s2 = manager.createSession(c);
  await s1.open();
  await s2.open();
  const log1 = record(s1), log2 = record(s2);
  s1.stop();
  await settle();
  assert.deepEqual(driver.calls, ["activate a", "deactivate a force"]);
  assert.equal(s1.state, "disconnected");
  assert.deepEqual(log1, ["state:closing", "state:disconnected", "closed"]);
  assert.deepEqual(log2, ["state:disconnected", "error:session-aborted", "closed"]);
  assert.equal(s2.isOpen, false);
  assert.equal(s2.error, "session-aborted");
  assert.match(s2.errorString, /stopped by another session/);
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("opening an invalid configuration fails with invalid-configuration", async () => {
  const { manager } = await setup();
  const s = new NetworkSession(manager.configurationFromIdentifier("nope"));
  assert.equal(s.state, "invalid");
  assert.equal(await s.open(), false);
  assert.equal(s.error, "invalid-configuration");
  assert.match(s.errorString, /not a valid configuration/);
});

Deno.test("opening a defined but undiscovered configuration fails with invalid-configuration", async () => {
  const { manager, driver } = await setup([ap("far", { state: "defined" })]);
  const s = manager.createSession(manager.configurationFromIdentifier("far"));
  assert.equal(s.state, "not-available");
  assert.equal(await s.open(), false);
  assert.equal(s.error, "invalid-configuration");
  assert.deepEqual(driver.calls, []);
});

Deno.test("waitForOpened returns false at once unless connecting or connected", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.equal(await s.waitForOpened(1000), false);
});

Deno.test("waitForOpened honours its time-out on the injected clock", async () => {
  const { manager, driver, clock } = await setup();
  driver.auto = false;
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  s.open();
  await settle();
  let result: boolean | undefined;
  s.waitForOpened(500).then((r) => result = r);
  clock.advance(499);
  await settle();
  assert.equal(result, undefined);
  clock.advance(1);
  await settle();
  assert.equal(result, false);
  assert.equal(s.state, "connecting"); // the time-out does not cancel the open
});

Deno.test("waitForOpened(-1) never times out and resolves true when opened", async () => {
  const { manager, driver, clock } = await setup();
  driver.auto = false;
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  s.open();
  await settle();
  let result: boolean | undefined;
  s.waitForOpened(-1).then((r) => result = r);
  clock.advance(10_000_000);
  await settle();
  assert.equal(result, undefined);
  assert.equal(clock.timers.length, 0);
  driver.complete("a");
  await settle();
  assert.equal(result, true);
  assert.equal(await s.waitForOpened(0), true);
});

Deno.test("a session on an active configuration that is not opened is connected but not open", async () => {
  const { manager, driver } = await setup();
  driver.up("a");
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.equal(s.state, "connected");
  assert.equal(s.isOpen, false);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "");
  assert.equal(s.interface?.name, "if-a"); // a monitor sees the interface
});

Deno.test("opening an already active configuration opens without a connecting state", async () => {
  const { manager, driver } = await setup();
  driver.up("a");
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const log = record(s);
  assert.equal(await s.open(), true);
  assert.deepEqual(log, ["opened"]);
});

Deno.test("ActiveConfiguration is the identifier while open and empty otherwise", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.equal(s.sessionProperty("ActiveConfiguration"), "");
  await s.open();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "a");
  s.close();
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "");
});

Deno.test("UserChoiceConfiguration and ActiveConfiguration are read-only", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.throws(() => s.setSessionProperty("ActiveConfiguration", "b"), /read-only/);
  assert.throws(() => s.setSessionProperty("UserChoiceConfiguration", "b"), /read-only/);
});

Deno.test("ConnectInBackground and AutoCloseSessionTimeout are validated and stored", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.equal(s.sessionProperty("AutoCloseSessionTimeout"), -1);
  s.setSessionProperty("AutoCloseSessionTimeout", 5000);
  assert.equal(s.sessionProperty("AutoCloseSessionTimeout"), 5000);
  assert.throws(() => s.setSessionProperty("AutoCloseSessionTimeout", -2), /integer/);
  assert.throws(() => s.setSessionProperty("AutoCloseSessionTimeout", 1.5), /integer/);
  assert.throws(() => s.setSessionProperty("ConnectInBackground", "yes"), /true or false/);
  s.setSessionProperty("ConnectInBackground", true);
  assert.equal(s.sessionProperty("ConnectInBackground"), true);
  s.setSessionProperty("ConnectInBackground", undefined);
  assert.equal(s.sessionProperty("ConnectInBackground"), undefined);
  s.setSessionProperty("AutoCloseSessionTimeout", undefined);
  assert.equal(s.sessionProperty("AutoCloseSessionTimeout"), -1);
});

Deno.test("activeTime counts seconds from connection on the injected clock", async () => {
  const { manager, clock } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  clock.advance(5000);
  assert.equal(s.activeTime, 0);
  await s.open();
  clock.advance(2500);
  assert.equal(s.activeTime, 2);
  s.close();
  await settle();
  assert.equal(s.activeTime, 0);
});

Deno.test("interface is only reported while connected", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  assert.equal(s.interface, undefined);
  await s.open();
  assert.deepEqual(s.interface, { name: "if-a", index: 7, addresses: ["10.0.0.1/24"] });
  s.close();
  await settle();
  assert.equal(s.interface, undefined);
});

Deno.test("a configuration removed while a session is open makes it invalid and emits closed", async () => {
  const { manager, driver } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  const log = record(s);
  driver.remove("a");
  await settle();
  assert.equal(s.state, "invalid");
  assert.equal(s.isOpen, false);
  assert.ok(log.includes("closed"));
  assert.equal(s.configuration.isValid, false);
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("bytesReceived/bytesWritten report the interface counters, 0 without data-statistics", async () => {
  const { manager, driver } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  driver.stats.set("a", { bytesReceived: 1000, bytesWritten: 200 });
  assert.equal(s.bytesReceived, 1000);
  assert.equal(s.bytesWritten, 200);

  const d2 = new FakeDriver([ap("x")]);
  d2.capabilities = ["can-start-and-stop-interfaces"];
  d2.stats.set("x", { bytesReceived: 5, bytesWritten: 5 });
  const m2 = await NetworkConfigurationManager.create(d2);
  const s2 = m2.createSession(m2.configurationFromIdentifier("x"));
  await s2.open();
  assert.equal(s2.bytesReceived, 0);
  assert.equal(s2.bytesWritten, 0);
});

Deno.test("the link going down on its own aborts open sessions with session-aborted", async () => {
  const { manager, driver } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  const log = record(s);
  driver.down("a");
  assert.deepEqual(log, ["state:disconnected", "error:session-aborted", "closed"]);
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("a failed activation resolves open() false with the driver's error", async () => {
  const { manager, driver } = await setup();
  driver.auto = false;
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const p = s.open();
  await settle();
  driver.fail("a", "no carrier on if-a");
  assert.equal(await p, false);
  assert.equal(s.error, "unknown");
  assert.equal(s.errorString, "no carrier on if-a");
  assert.equal(s.state, "disconnected");
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("close() while opening cancels the activation and settles open() false", async () => {
  const { manager, driver } = await setup();
  driver.auto = false;
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const p = s.open();
  await settle();
  s.close();
  assert.equal(await p, false);
  assert.equal(s.error, "session-aborted");
  await settle();
  assert.equal(driver.pending.size, 0);
  assert.equal(manager.leases.count("a"), 0);
});

Deno.test("a listener that throws is reported and does not break the other listeners", async () => {
  const { manager, errors } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const seen: string[] = [];
  s.on("opened", () => {
    throw new Error("bad listener");
  });
  s.on("opened", () => seen.push("second"));
  assert.equal(await s.open(), true);
  assert.deepEqual(seen, ["second"]);
  assert.equal(errors.length, 1);
  assert.equal(s.state, "connected");
});

Deno.test("dispose closes an open session and drops its listeners", async () => {
  const { manager, driver } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  let closed = 0;
  s.on("closed", () => closed++);
  s[Symbol.dispose]();
  await settle();
  assert.equal(closed, 0); // listeners were dropped before the close finished
  assert.equal(s.isOpen, false);
  assert.deepEqual(driver.calls, ["activate a", "deactivate a"]);
  assert.equal(manager.sessions().length, 0);
});

Deno.test("open() on an open session resolves true without a second lease", async () => {
  const { manager } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  assert.equal(await s.open(), true);
  assert.equal(manager.leases.count("a"), 1);
});

Deno.test("a closed session can be opened again", async () => {
  const { manager, driver } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  await s.open();
  s.close();
  await settle();
  assert.equal(await s.open(), true);
  assert.deepEqual(driver.calls, ["activate a", "deactivate a", "activate a"]);
});

Deno.test("new NetworkSession() rejects something that is not a managed configuration", () => {
  // deno-lint-ignore no-explicit-any
  assert.throws(() => new NetworkSession({} as any), /NetworkConfigurationManager/);
});

Deno.test("a link that comes up and goes down before its activation's answer is handled: open() fails, nothing is held", async () => {
  const driver = new FakeDriver([ap("b")]);
  driver.auto = false;
  const manager = await NetworkConfigurationManager.create(driver);
  const s = manager.createSession(manager.configurationFromIdentifier("b"));
  const opened = s.open();
  await settle();
  driver.complete("b"); // the driver reports b up and resolves its activation...
  driver.down("b"); // ...and b goes down before the session's promise reaction ran
  assert.equal(await opened, false);
  assert.equal(s.error, "session-aborted");
  assert.match(s.errorString, /went down as soon as it came up/);
  assert.equal(manager.holdCount("b"), 0);
  assert.equal(s.isOpen, false);
  // the next open brings it up as usual
  const again = s.open();
  await settle();
  driver.complete("b");
  assert.equal(await again, true);
  assert.equal(manager.holdCount("b"), 1);
});

Deno.test("every open() and waitForOpened() waiting on one opening settles, in the order they were made", async () => {
  const { manager, driver } = await setup();
  driver.auto = false;
  const s = manager.createSession(manager.configurationFromIdentifier("a"));
  const order: string[] = [];
  const wait = (name: string, p: Promise<boolean>) => p.then((ok) => order.push(`${name}:${ok}`));
  const waits = [wait("open", s.open()), wait("again", s.open()), wait("wait", s.waitForOpened(-1))];
  await settle();
  driver.complete("a");
  await Promise.all(waits);
  assert.deepEqual(order, ["open:true", "again:true", "wait:true"]);
  s.close();
  await settle();
  order.length = 0;
  const failing = [wait("open", s.open()), wait("again", s.open()), wait("third", s.open())];
  await settle();
  driver.fail("a", "no carrier on if-a");
  await Promise.all(failing);
  assert.deepEqual(order, ["open:false", "again:false", "third:false"]);
  assert.deepEqual([s.isOpen, manager.leases.count("a")], [false, 0]);
});
