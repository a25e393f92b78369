import assert from "node:assert/strict";
import fc from "fast-check";
import { isLinkUp, type LinkEvent, linkTransition } from "./link.ts";
import type { SimLinkPhase } from "./link.ts";

const PHASES: readonly SimLinkPhase[] = ["down", "activating", "up", "deactivating"];
const EVENTS: readonly LinkEvent[] = [
  "activate",
  "activated",
  "failed",
  "cancel",
  "bring-up",
  "release",
  "go-down",
  "remove",
];

Deno.test("a link comes up through activating, goes down through deactivating", () => {
  assert.deepEqual(linkTransition("down", "activate"), {
    phase: "activating",
    effects: ["take-device", "start-activation-timer"],
  });
  assert.deepEqual(linkTransition("activating", "activated"), {
    phase: "up",
    effects: ["reset-counters", "hold", "report"],
  });
  assert.deepEqual(linkTransition("up", "release"), {
    phase: "deactivating",
    effects: ["start-deactivation-timer"],
  });
  assert.deepEqual(linkTransition("deactivating", "go-down"), {
    phase: "down",
    effects: ["reset-counters", "drop-holds", "finish-deactivation", "report", "resume-queued"],
  });
});

Deno.test("an activation asked for while the link goes down waits; a failed or cancelled one leaves it down", () => {
  assert.deepEqual(linkTransition("deactivating", "activate"), { phase: "deactivating", effects: [] });
  assert.deepEqual(linkTransition("activating", "failed"), { phase: "down", effects: [] });
  assert.deepEqual(linkTransition("activating", "cancel"), { phase: "down", effects: [] });
  assert.deepEqual(linkTransition("deactivating", "cancel"), { phase: "deactivating", effects: [] });
});

Deno.test("another program brings a link up at once from any phase", () => {
  assert.deepEqual(linkTransition("down", "bring-up").effects, [
    "take-device",
    "reset-counters",
    "hold",
    "report",
  ]);
  assert.deepEqual(linkTransition("activating", "bring-up").phase, "up");
  assert.deepEqual(linkTransition("deactivating", "bring-up"), {
    phase: "up",
    effects: ["finish-deactivation", "hold"],
  });
  assert.deepEqual(linkTransition("up", "bring-up"), { phase: "up", effects: ["hold"] });
});

Deno.test("removal takes a link down from any phase without a report (the removal is reported)", () => {
  for (const phase of PHASES) {
    assert.deepEqual(linkTransition(phase, "remove"), {
      phase: "down",
      effects: ["finish-deactivation", "drop-holds"],
    });
  }
});

Deno.test("property: over random event sequences the link transition keeps its invariants", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 60 }), (events) => {
      let phase = "down" as SimLinkPhase;
      for (const event of events) {
        const next = linkTransition(phase, event);
        assert.deepEqual(linkTransition(phase, event), next, "pure: same input, same output");
        assert.ok(PHASES.includes(next.phase));
        const wasUp = isLinkUp(phase), isUp = isLinkUp(next.phase);
        if (event !== "remove") {
          assert.equal(
            next.effects.includes("report"),
            wasUp !== isUp,
            `report iff up-ness changes (${phase} ${event})`,
          );
          assert.equal(
            next.effects.includes("reset-counters"),
            wasUp !== isUp,
            "counters reset on coming up or going down",
          );
        }
        assert.equal(
          next.effects.includes("start-activation-timer"),
          phase !== "activating" && next.phase === "activating",
          "an activation timer starts exactly on entering activating",
        );
        assert.equal(
          next.effects.includes("start-deactivation-timer"),
          phase !== "deactivating" && next.phase === "deactivating",
          "a deactivation timer starts exactly on entering deactivating",
        );
        if (next.effects.includes("take-device")) {
          assert.equal(next.effects[0], "take-device", "take-device first");
        }
        if (next.phase === "activating") assert.ok(phase === "down" || phase === "activating");
        if (next.phase === "deactivating") assert.ok(phase === "up" || phase === "deactivating");
        if (next.phase === phase && event !== "remove") {
          assert.ok(
            next.effects.every((e) => e === "hold"),
            `staying in ${phase} on ${event} has no effect but a hold`,
          );
        }
        phase = next.phase;
      }
    }),
    { numRuns: 500 },
  );
});
