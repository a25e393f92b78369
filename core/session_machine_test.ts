import assert from "node:assert/strict";
import fc from "fast-check";
import { ap, FakeDriver, settle, sn } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import type { NetworkSession } from "./network_session.ts";
import { heldAccessPoints, initialSessionModel, transition } from "./session_machine.ts";
import type { SessionInput, SessionModel } from "./session_model.ts";
import { SESSION_STATES } from "./types.ts";

const aps = ["a", "b", "c"];
// A resting state is derived from a configuration state, so it is never connecting/closing/roaming.
const states = fc.constantFrom(
  "invalid" as const,
  "not-available" as const,
  "connected" as const,
  "disconnected" as const,
);
const apId = fc.constantFrom(...aps);

const input: fc.Arbitrary<SessionInput> = fc.oneof(
  fc.record({
    type: fc.constant("open" as const),
    target: fc.option(apId, { nil: undefined }),
    targetActive: fc.boolean(),
  }),
  fc.record({ type: fc.constant("activated" as const), identifier: apId, fromAvailable: fc.boolean() }),
  fc.record({
    type: fc.constant("activation-failed" as const),
    identifier: apId,
    error: fc.constant("unknown" as const),
    message: fc.constant("x"),
    restingState: states,
  }),
  fc.record({ type: fc.constant("close" as const), lastHolder: fc.boolean(), restingState: states }),
  fc.record({
    type: fc.constant("stop" as const),
    target: fc.option(apId, { nil: undefined }),
    restingState: states,
  }),
  fc.record({ type: fc.constant("released" as const), restingState: states }),
  fc.record({
    type: fc.constant("lost" as const),
    identifier: apId,
    message: fc.constant("gone"),
    restingState: states,
    next: fc.option(fc.record({ identifier: apId, seamless: fc.boolean(), alr: fc.boolean() }), {
      nil: undefined,
    }),
  }).filter((l) => l.next?.identifier !== l.identifier), // the manager never offers the lost link itself
  fc.record({ type: fc.constant("observed" as const), restingState: states }),
  fc.record({ type: fc.constant("removed" as const), message: fc.constant("removed") }),
  fc.record({
    type: fc.constant("preferred" as const),
    identifier: apId,
    seamless: fc.boolean(),
    alr: fc.boolean(),
  }),
  fc.constant({ type: "migrate" as const }),
  fc.record({ type: fc.constant("ignore" as const), restingState: states }),
  fc.constant({ type: "accept" as const }),
  fc.record({ type: fc.constant("reject" as const), fromAvailable: fc.boolean() }),
);

function checkModel(m: SessionModel): void {
  assert.ok(SESSION_STATES.includes(m.state), `undocumented state ${m.state}`);
  if (m.phase === "open") {
    assert.ok(m.state === "connected" || m.state === "roaming", `open session in state ${m.state}`);
    assert.notEqual(m.accessPoint, undefined, "an open session holds an access point");
  }
  if (m.phase === "opening") assert.ok(m.state === "connecting" || m.state === "connected");
  if (m.phase === "closing") assert.equal(m.state, "closing");
  if (m.phase === "idle") {
    assert.equal(m.roam, undefined);
    assert.notEqual(m.state, "closing");
    assert.notEqual(m.state, "roaming");
  }
  if (m.roam) assert.equal(m.phase, "open");
}

Deno.test("property: random input sequences keep the machine in documented states", () => {
  fc.assert(
    fc.property(states, fc.array(input, { maxLength: 60 }), (start, inputs) => {
      let m = initialSessionModel(start);
      // Track leases the effects take and give back: never negative, never double.
      const leases = new Map<string, number>();
      for (const i of inputs) {
        // The manager's lease table drops the lease of a lost link before telling the session.
        if (i.type === "lost" && m.phase === "open") leases.set(i.identifier, 0);
        const { model, effects } = transition(m, i);
        for (const e of effects) {
          if (e.type === "acquire") {
            assert.ok(!leases.get(e.identifier), `acquired ${e.identifier} twice`);
            leases.set(e.identifier, 1);
          }
          if (e.type === "release" || e.type === "stop") leases.set(e.identifier, 0);
          if (e.type === "state") assert.notEqual(e.state, m.state, "state effect without a change");
        }
        // A state effect is emitted exactly when the state changed.
        assert.equal(effects.some((e) => e.type === "state"), model.state !== m.state);
        m = model;
        checkModel(m);
        // What the model says it holds, the effects acquired (activation failures release at once).
        for (const id of heldAccessPoints(m)) {
          if (i.type !== "activation-failed") assert.equal(leases.get(id), 1, `holds ${id} without a lease`);
        }
      }
    }),
    { numRuns: 5000 },
  );
});

type Action =
  | { kind: "open" | "close" | "stop" | "dispose"; session: number }
  | { kind: "complete" | "fail" | "externalUp" | "externalDown"; ap: string };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constantFrom("open", "close", "stop", "dispose"), session: fc.nat(5) }),
  fc.record({ kind: fc.constantFrom("complete", "fail", "externalUp", "externalDown"), ap: apId }),
) as fc.Arbitrary<Action>;

Deno.test("property: the session counter matches the holders and the link is up exactly when held", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
      const driver = new FakeDriver(aps.map((id) => ap(id)));
      driver.auto = false;
      const manager = await NetworkConfigurationManager.create(driver, { onListenerError: () => {} });
      // sessions 0,1 on a; 2,3 on b; 4,5 on c
      const sessions: NetworkSession[] = [];
      for (let i = 0; i < 6; i++) {
        const s = manager.createSession(manager.configurationFromIdentifier(aps[i >> 1]));
        s.on("stateChanged", () => {});
        sessions.push(s);
      }
      const promises: Promise<boolean>[] = [];
      for (const a of actions) {
        switch (a.kind) {
          case "open":
            promises.push(sessions[a.session].open());
            break;
          case "close":
            sessions[a.session].close();
            break;
          case "stop":
            sessions[a.session].stop();
            break;
          case "dispose":
            sessions[a.session][Symbol.dispose]();
            break;
          case "complete":
            if (driver.pending.has(a.ap)) driver.complete(a.ap);
            break;
          case "fail":
            if (driver.pending.has(a.ap)) driver.fail(a.ap);
            break;
          case "externalUp":
            driver.externalUp(a.ap);
            break;
          case "externalDown":
            driver.externalDown(a.ap);
            break;
        }
        await settle();
        for (const id of aps) {
          const holders = sessions.filter((s) => heldAccessPoints(s.model).includes(id)).length;
          assert.equal(manager.leases.count(id), holders, `counter of ${id} differs from its holders`);
          if (driver.pending.has(id)) continue;
          const up = driver.configs.get(id)!.state === "active";
          assert.equal(up, holders > 0 || driver.external.has(id), `${id} up=${up} holders=${holders}`);
        }
        for (const s of sessions) {
          assert.ok(SESSION_STATES.includes(s.state));
          if (s.isOpen) assert.ok(s.state === "connected" || s.state === "roaming");
        }
      }
      for (const id of aps) if (driver.pending.has(id)) driver.complete(id);
      await settle();
      const results = await Promise.race([
        Promise.all(promises),
        new Promise<"unsettled">((r) => setTimeout(() => r("unsettled"), 0)),
      ]);
      assert.notEqual(results, "unsettled", "every open() promise settles");
    }),
    { numRuns: 300 },
  );
});

type RoamAction =
  | { kind: "open" | "close" | "stop" | "migrate" | "ignore" | "accept" | "reject"; session: number }
  | { kind: "complete" | "fail" | "inRange" | "outOfRange" | "externalDown"; ap: string }
  | { kind: "manual" | "auto" };

// Weighted so that whole roams (open, better member in range, migrate, accept/reject) happen often.
const roamAction: fc.Arbitrary<RoamAction> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("open" as const), session: fc.nat(3) }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("migrate" as const, "accept" as const),
      session: fc.nat(2),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("close" as const, "stop" as const, "ignore" as const, "reject" as const),
      session: fc.nat(3),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constantFrom("inRange" as const, "outOfRange" as const), ap: apId }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("complete" as const, "fail" as const, "externalDown" as const),
      ap: apId,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constantFrom("manual" as const, "auto" as const) }), weight: 1 },
) as fc.Arbitrary<RoamAction>;

// On one device a reject must come while the displaced roam waits for it: rejects of the ALR sessions weigh more.
const oneDeviceAction: fc.Arbitrary<RoamAction> = fc.oneof(
  { arbitrary: roamAction, weight: 5 },
  {
    arbitrary: fc.record({ kind: fc.constant("reject" as const), session: fc.constantFrom(0, 2) }),
    weight: 2,
  },
) as fc.Arbitrary<RoamAction>;

for (const oneDevice of [false, true]) {
  Deno.test(`property: across ALR and forced roaming no access point is up without a holder or down under one${oneDevice ? " (a and b on one device)" : ""}`, async () => {
    let totalRoams = 0;
    let displaced = 0, returning = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(oneDevice ? oneDeviceAction : roamAction, { minLength: 20, maxLength: 60 }),
        async (actions) => {
          const driver = new FakeDriver([
            ...aps.map((id) => ap(id, { state: id === "a" ? "defined" : "discovered" })),
            sn("any", aps),
          ]);
          if (oneDevice) driver.devices.set("a", "radio").set("b", "radio");
          const manager = await NetworkConfigurationManager.create(driver, { onListenerError: () => {} });
          let roams = 0;
          const any = manager.configurationFromIdentifier("any");
          // 0: ALR on the service network, 1: forced on the service network, 2: ALR too, 3: plain on "c"
          const sessions = [
            manager.createSession(any),
            manager.createSession(any),
            manager.createSession(any),
            manager.createSession(manager.configurationFromIdentifier("c")),
          ];
          for (const s of sessions) s.on("newConfigurationActivated", () => roams++);
          sessions[0].on("preferredConfigurationChanged", () => {});
          sessions[1].on("stateChanged", () => {});
          sessions[2].on("preferredConfigurationChanged", () => {});
          sessions[3].on("stateChanged", () => {});
          const promises: Promise<boolean>[] = [];
          for (const a of actions) {
            if (a.kind === "manual" || a.kind === "auto") {
              driver.auto = a.kind === "auto";
            } else if ("session" in a) {
              const s = sessions[a.session];
              if (a.kind === "open") promises.push(s.open());
              else s[a.kind]();
              if (a.kind === "reject" && s.model.roam?.step === "returning") returning++;
            } else if (a.kind === "complete") {
              if (driver.pending.has(a.ap)) driver.complete(a.ap);
            } else if (a.kind === "fail") {
              if (driver.pending.has(a.ap)) driver.fail(a.ap);
            } else if (a.kind === "inRange") {
              if (driver.configs.get(a.ap)!.state === "defined") driver.set(a.ap, { state: "discovered" });
            } else if (a.kind === "outOfRange") {
              if (driver.pending.has(a.ap)) driver.fail(a.ap, "out of range");
              driver.external.delete(a.ap);
              driver.set(a.ap, { state: "defined", interface: undefined });
            } else if (a.kind === "externalDown") {
              driver.externalDown(a.ap);
            }
            await settle();
            for (const id of aps) {
              const holders = sessions.filter((s) => heldAccessPoints(s.model).includes(id)).length;
              assert.equal(manager.leases.count(id), holders, `counter of ${id} differs from its holders`);
              if (driver.pending.has(id)) continue;
              const up = driver.configs.get(id)!.state === "active";
              assert.equal(up, holders > 0, `${id} up=${up} holders=${holders}`);
            }
            for (const s of sessions) {
              if (s.model.roam?.displaced && s.model.roam.step === "activated") displaced++;
              if (s.isOpen) assert.ok(s.state === "connected" || s.state === "roaming", s.state);
              if (s.isOpen && s.state === "connected") {
                assert.equal(
                  manager.configurationFromIdentifier(String(s.sessionProperty("ActiveConfiguration"))).state,
                  "active",
                );
              }
            }
          }
          for (let round = 0; round < 5; round++) {
            for (const id of aps) if (driver.pending.has(id)) driver.complete(id);
            await settle();
          }
          const results = await Promise.race([
            Promise.all(promises),
            new Promise<"unsettled">((r) => setTimeout(() => r("unsettled"), 0)),
          ]);
          assert.notEqual(results, "unsettled", "every open() promise settles");
          totalRoams += roams;
        },
      ),
      { numRuns: oneDevice ? 2000 : 400 },
    );
    assert.ok(totalRoams > 100, `the generator must exercise roaming (${totalRoams} roams)`);
    if (oneDevice) {
      // Roams where the new access point displaced the old one, and rejects going back, both happen.
      assert.ok(displaced > 20 && returning > 5, `displaced ${displaced}, returning ${returning}`);
    }
  });
}

Deno.test("a roam whose target displaced the old access point: reject goes through returning and back", () => {
  let m = initialSessionModel("disconnected");
  const feed = (i: SessionInput) => {
    const t = transition(m, i);
    m = t.model;
    return t.effects.map((e) =>
      e.type === "acquire" || e.type === "release" ? `${e.type}:${e.identifier}` : e.type
    );
  };
  feed({ type: "open", target: "home", targetActive: false });
  feed({ type: "activated", identifier: "home" });
  feed({ type: "preferred", identifier: "office", seamless: false, alr: true });
  assert.deepEqual(feed({ type: "migrate" }), ["state", "acquire:office"]);
  // Starting office took home down (one device).
  assert.deepEqual(
    feed({ type: "lost", identifier: "home", message: "displaced", restingState: "connected" }),
    [],
  );
  assert.deepEqual(feed({ type: "activated", identifier: "office", fromAvailable: true }), ["emit"]);
  assert.equal(m.roam?.step, "activated");
  assert.deepEqual(heldAccessPoints(m), ["office"]);
  assert.deepEqual(feed({ type: "reject", fromAvailable: true }), ["acquire:home"]);
  assert.equal(m.roam?.step, "returning");
  assert.equal(m.state, "roaming");
  // Starting home takes office down in turn: expected, the session waits for home.
  assert.deepEqual(
    feed({ type: "lost", identifier: "office", message: "displaced", restingState: "connected" }),
    [],
  );
  assert.deepEqual(heldAccessPoints(m), ["home"]);
  assert.deepEqual(feed({ type: "activated", identifier: "home" }), ["state"]);
  assert.deepEqual([m.state, m.accessPoint, m.roam, m.ignored], ["connected", "home", undefined, "office"]);
});

Deno.test("a roam whose old access point was lost for good commits at once, as forced roaming does", () => {
  let m = initialSessionModel("disconnected");
  for (
    const i of [
      { type: "open", target: "home", targetActive: false },
      { type: "activated", identifier: "home" },
      { type: "preferred", identifier: "office", seamless: false, alr: true },
      { type: "migrate" },
      { type: "lost", identifier: "home", message: "out of range", restingState: "connected" },
    ] as SessionInput[]
  ) m = transition(m, i).model;
  const t = transition(m, { type: "activated", identifier: "office", fromAvailable: false });
  assert.deepEqual([t.model.state, t.model.accessPoint, t.model.roam], ["connected", "office", undefined]);
  assert.deepEqual(t.effects.map((e) => e.type), ["state", "emit"]);
});
