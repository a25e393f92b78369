/**
 * The driver conformance suite: one set of behaviours that every driver must
 * show through the core API (the simulator, NetworkManager, the daemon's
 * RemoteDriver). A driver supplies a {@linkcode ConformanceHarness}; time
 * passes through `until()`, which advances a virtual clock or waits in real
 * time, so the same tests run against simulated and real links.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { NetworkConfigurationManager, NetworkSession } from "../../core/mod.ts";
import { sessionLog } from "../../core/_session_log.ts";

/** What a driver's test setup provides. */
export interface ConformanceHarness {
  /** A manager on the driver under test. */
  readonly manager: NetworkConfigurationManager;
  /** Two access points in range and down when the test starts. */
  readonly accessPoints: readonly [string, string];
  /** Lets (virtual or real) time pass until `condition()` holds; throws naming `what` if it never does. */
  until(condition: () => boolean, what: string): Promise<void>;
  /** Another program takes the link of an access point down. */
  externalDown(identifier: string): Promise<void>;
  /** Makes traffic flow on an active access point (optional: drivers without data-statistics). */
  traffic?(identifier: string): Promise<void>;
  /** Makes the next activation of an access point fail (optional). */
  failNextActivation?(identifier: string): Promise<void>;
  /** Removes an access point's configuration (optional). */
  remove?(identifier: string): Promise<void>;
  /**
   * Makes an active access point reach `"online"`, only its `"site"` (behind a captive portal), or only the
   * `"site"` without a portal (limited): the driver must then report it. Every driver has it.
   */
  setReachability(identifier: string, reach: "online" | "portal" | "limited"): Promise<void>;
  /** Tears the setup down. */
  close(): Promise<void>;
}

/** Options of {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** A reason to skip every test (printed), or false. */
  readonly ignore?: string | false;
  /** Deno.test sanitizers (real drivers keep sockets open across tests). */
  readonly sanitize?: boolean;
}

const record = (session: NetworkSession) => sessionLog(session);

/** Registers the conformance tests for a driver. */
export function runConformance(
  driver: string,
  setup: () => Promise<ConformanceHarness>,
  options: ConformanceOptions = {},
): void {
  const ignore = options.ignore !== undefined && options.ignore !== false;
  if (ignore) console.log(`conformance[${driver}]: skipped: ${options.ignore}`);
  const test = (name: string, fn: (h: ConformanceHarness) => Promise<void> | void) =>
    Deno.test({
      name: `conformance[${driver}]: ${name}`,
      ignore,
      sanitizeOps: options.sanitize ?? true,
      sanitizeResources: options.sanitize ?? true,
      async fn() {
        const h = await setup();
        try {
          await fn(h);
        } finally {
          await h.close();
        }
      },
    });

  const open = async (h: ConformanceHarness, s: NetworkSession) => {
    const p = s.open();
    await h.until(
      () => s.state !== "connecting",
      `session on ${s.configuration.identifier} to finish opening`,
    );
    return await p;
  };

  test("the snapshot lists the access points, valid and discovered", (h) => {
    for (const id of h.accessPoints) {
      const c = h.manager.configurationFromIdentifier(id);
      assert.equal(c.isValid, true, `${id} is valid`);
      assert.equal(c.type, "internet-access-point");
      assert.equal(c.state, "discovered");
      assert.ok(h.manager.allConfigurations("discovered").includes(c));
      assert.equal(h.manager.allConfigurations("active").includes(c), false);
    }
    assert.equal(h.manager.configurationFromIdentifier("no-such-configuration").isValid, false);
  });

  test("open() brings the link up: opened, connected, interface, ActiveConfiguration", async (h) => {
    const [a] = h.accessPoints;
    const c = h.manager.configurationFromIdentifier(a);
    const s = h.manager.createSession(c);
    const log = record(s);
    assert.equal(await open(h, s), true, `open failed: ${s.errorString}`);
    assert.deepEqual(log, ["state:connecting", "state:connected", "opened"]);
    assert.equal(s.isOpen, true);
    assert.equal(c.state, "active");
    assert.equal(h.manager.isOnline(), true);
    assert.ok(s.interface, "an interface while connected");
    assert.ok(s.interface!.name.length > 0);
    assert.equal(s.sessionProperty("ActiveConfiguration"), a);
    s.close();
    await h.until(() => s.state === "disconnected", "the link to go down");
  });

  test("close() keeps the link up while another session holds it; the last close takes it down", async (h) => {
    const [a] = h.accessPoints;
    const c = h.manager.configurationFromIdentifier(a);
    const s1 = h.manager.createSession(c), s2 = h.manager.createSession(c);
    assert.equal(await open(h, s1), true);
    assert.equal(await open(h, s2), true);
    const log1 = record(s1);
    s1.close();
    await h.until(() => log1.includes("closed"), "closed of the first session");
    assert.equal(s1.isOpen, false);
    assert.equal(c.state, "active");
    assert.equal(s2.state, "connected");
    const log2 = record(s2);
    s2.close();
    await h.until(() => log2.includes("closed"), "closed of the last session");
    assert.deepEqual(log2, ["state:closing", "state:disconnected", "closed"]);
    assert.equal(c.state, "discovered");
  });

  test("stop() takes the link down and aborts the other sessions on it", async (h) => {
    const [a] = h.accessPoints;
    const c = h.manager.configurationFromIdentifier(a);
    const s1 = h.manager.createSession(c), s2 = h.manager.createSession(c);
    assert.equal(await open(h, s1), true);
    assert.equal(await open(h, s2), true);
    const log2 = record(s2);
    s1.stop();
    await h.until(() => log2.includes("closed") && s1.state === "disconnected", "stop to finish");
    assert.deepEqual(log2, ["state:disconnected", "error:session-aborted", "closed"]);
    assert.equal(c.state, "discovered");
    assert.equal(s1.isOpen, false);
  });

  test("the link taken down by another program aborts the session", async (h) => {
    const [a] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await open(h, s), true);
    const log = record(s);
    await h.externalDown(a);
    await h.until(() => log.includes("closed"), "the session to see the link go");
    assert.ok(log.includes("error:session-aborted"));
    assert.equal(s.isOpen, false);
    assert.equal(s.error, "session-aborted");
  });

  test("sessions on two access points are independent", async (h) => {
    const [a, b] = h.accessPoints;
    const sa = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    const sb = h.manager.createSession(h.manager.configurationFromIdentifier(b));
    assert.equal(await open(h, sa), true);
    assert.equal(await open(h, sb), true);
    sa.close();
    await h.until(() => sa.state === "disconnected", "a to go down");
    assert.equal(sb.state, "connected");
    assert.equal(h.manager.configurationFromIdentifier(b).state, "active");
    sb.close();
    await h.until(() => sb.state === "disconnected", "b to go down");
  });

  test("opening an unknown configuration fails with invalid-configuration", async (h) => {
    const s = h.manager.createSession(h.manager.configurationFromIdentifier("no-such-configuration"));
    assert.equal(await s.open(), false);
    assert.equal(s.error, "invalid-configuration");
    assert.ok(s.errorString.length > 0);
  });

  test("a failed activation resolves open() false with an error and leaves no holder", async (h) => {
    if (!h.failNextActivation) return;
    const [a] = h.accessPoints;
    await h.failNextActivation(a);
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await open(h, s), false);
    assert.ok(s.error !== undefined);
    assert.ok(s.errorString.length > 0);
    assert.equal(h.manager.holdCount(a), 0);
    assert.notEqual(h.manager.configurationFromIdentifier(a).state, "active");
  });

  test("a configuration removed under an open session makes it invalid and closed", async (h) => {
    if (!h.remove) return;
    const [, b] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(b));
    assert.equal(await open(h, s), true);
    const log = record(s);
    await h.remove(b);
    await h.until(() => s.state === "invalid", "the session to become invalid");
    assert.ok(log.includes("closed"));
    assert.equal(s.isOpen, false);
  });

  test("statistics count the interface's traffic", async (h) => {
    if (!h.traffic || !h.manager.capabilities().includes("data-statistics")) return;
    const [a] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await open(h, s), true);
    const rx0 = s.bytesReceived, tx0 = s.bytesWritten;
    await h.traffic(a);
    await h.until(() => s.bytesReceived > rx0 && s.bytesWritten > tx0, "the counters to grow");
    s.close();
    await h.until(() => s.state === "disconnected", "the link to go down");
  });

  test("an active link reports how far it reaches; a link that is not up is disconnected", async (h) => {
    const [a] = h.accessPoints;
    const c = h.manager.configurationFromIdentifier(a);
    assert.deepEqual([c.reachability, c.behindCaptivePortal], ["disconnected", false]);
    const s = h.manager.createSession(c);
    assert.equal(s.reachability, "disconnected");
    assert.equal(await open(h, s), true, s.errorString);
    await h.setReachability(a, "online");
    await h.until(() => s.reachability === "online", "the session's link to reach online");
    assert.deepEqual([c.reachability, c.behindCaptivePortal, s.behindCaptivePortal], [
      "online",
      false,
      false,
    ]);
    assert.equal(h.manager.reachability, "online", "the default route's");
    s.close();
    await h.until(() => s.state === "disconnected", "the link to go down");
    assert.deepEqual([c.reachability, s.reachability, h.manager.reachability], [
      "disconnected",
      "disconnected",
      "disconnected",
    ]);
  });

  test("a captive portal or a limited upstream while a session is open: reachabilityChanged, the link stays up", async (h) => {
    const [a] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await open(h, s), true, s.errorString);
    await h.setReachability(a, "online");
    await h.until(() => s.reachability === "online", "online");
    const changes: string[] = [];
    s.on(
      "reachabilityChanged",
      (e) => changes.push(`${e.reachability}${e.behindCaptivePortal ? "+portal" : ""}`),
    );
    await h.setReachability(a, "portal");
    await h.until(() => s.behindCaptivePortal, "the captive portal to be seen");
    assert.equal(s.reachability, "site");
    assert.equal(h.manager.behindCaptivePortal, true);
    await h.setReachability(a, "limited");
    await h.until(() => !s.behindCaptivePortal && s.reachability === "site", "the limited upstream");
    await h.setReachability(a, "online");
    await h.until(() => s.reachability === "online", "back online");
    assert.ok(changes.includes("site+portal") && changes.includes("site"), changes.join(" "));
    assert.equal(changes.at(-1), "online");
    assert.equal(s.state, "connected");
    assert.equal(s.isOpen, true);
    s.close();
    await h.until(() => s.state === "disconnected", "the link to go down");
  });

  test("checkReachability() answers for the session's link, and 'disconnected' without one", async (h) => {
    const [a] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await s.checkReachability(), "disconnected");
    assert.equal(await open(h, s), true, s.errorString);
    await h.setReachability(a, "portal");
    let answer: string | undefined;
    s.checkReachability().then((r) => answer = r);
    await h.until(() => answer !== undefined, "the check to answer");
    assert.equal(answer, "site");
    s.close();
    await h.until(() => s.state === "disconnected", "the link to go down");
  });

  test("a need lists the access points that meet it, and open() takes the first", async (h) => {
    const need = h.manager.configurationFor({ name: "anything" });
    assert.equal(need.type, "service-network");
    const members = need.children.map((c) => c.identifier);
    for (const id of h.accessPoints) assert.ok(members.includes(id), `${id} meets an empty need`);
    const s = h.manager.createSession(need);
    assert.equal(await open(h, s), true, s.errorString);
    assert.equal(s.sessionProperty("ActiveConfiguration"), members[0]);
    s.close();
    await h.until(() => !s.isOpen && s.state !== "closing", "the session to close");
  });

  test("a need nothing meets: open() fails after its time-out with invalid-configuration naming the need", async (h) => {
    const s = h.manager.createSession(h.manager.configurationFor({ bearers: ["bluetooth"], timeoutMs: 300 }));
    let result: boolean | undefined;
    s.open().then((r) => result = r);
    await h.until(() => result !== undefined, "the open to give up");
    assert.equal(result, false);
    assert.equal(s.error, "invalid-configuration");
    assert.match(s.errorString, /bluetooth/);
  });

  test("losing warns before closed when another program takes the link down", async (h) => {
    const [a] = h.accessPoints;
    const s = h.manager.createSession(h.manager.configurationFromIdentifier(a));
    assert.equal(await open(h, s), true);
    const log = record(s);
    s.on("losing", (e) => log.push(`losing:${e.msToLive >= 0}`));
    await h.externalDown(a);
    await h.until(() => log.includes("closed"), "the session to see the link go");
    assert.ok(log.includes("losing:true"), log.join(" "));
    assert.ok(log.indexOf("losing:true") < log.indexOf("closed"), log.join(" "));
  });

  test("capabilities are reported", (h) => {
    const caps = h.manager.capabilities();
    assert.ok(caps.includes("can-start-and-stop-interfaces"));
  });
}
