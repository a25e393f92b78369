import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decideOnChange,
  decideOnLoss,
  preferredMember,
  type RoamCandidate,
  roamingMode,
  type RoamSituation,
  WEAK_SIGNAL,
} from "./roaming_policy.ts";
import { CAPABILITIES, type ConfigurationState } from "./types.ts";

const ids = ["a", "b", "c", "d", "e"];
const candidate: fc.Arbitrary<Omit<RoamCandidate, "identifier">> = fc.record({
  state: fc.constantFrom<ConfigurationState>("undefined", "defined", "discovered", "active"),
  signal: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
});
const members = fc.uniqueArray(fc.constantFrom(...ids), { minLength: 0, maxLength: 5 }).chain((names) =>
  fc.tuple(...names.map((identifier) => candidate.map((c) => ({ ...c, identifier }))))
);
const situation: fc.Arbitrary<RoamSituation> = members.chain((ms) =>
  fc.record({
    capabilities: fc.subarray([...CAPABILITIES]),
    alrWanted: fc.boolean(),
    forcedRoaming: fc.constantFrom("on-loss" as const, "on-loss-or-better" as const),
    members: fc.constant(ms),
    current: fc.constantFrom(...ids),
    ignored: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    seamless: fc.boolean(),
  })
);
const inRange = (c: RoamCandidate) => c.state === "discovered" || c.state === "active";

Deno.test("roaming policy: the preferred member is the first usable one in range, else the first in range", () => {
  fc.assert(fc.property(members, fc.option(fc.constantFrom(...ids), { nil: undefined }), (ms, exclude) => {
    const pick = preferredMember(ms, exclude);
    const eligible = ms.filter((c) => inRange(c) && c.identifier !== exclude);
    if (eligible.length === 0) return assert.equal(pick, undefined);
    const usable = eligible.find((c) => (c.signal ?? 100) >= WEAK_SIGNAL);
    assert.equal(pick, usable ?? eligible[0]);
  }));
});

Deno.test("roaming policy: the mode is ALR only when wanted and supported, forced when supported, else none", () => {
  fc.assert(fc.property(fc.subarray([...CAPABILITIES]), fc.boolean(), (caps, wanted) => {
    const mode = roamingMode(caps, wanted);
    const alr = caps.includes("application-level-roaming"), forced = caps.includes("forced-roaming");
    assert.equal(mode, wanted && alr ? "alr" : forced ? "forced" : "none");
  }));
});

Deno.test("roaming policy: a change never offers the current or the ignored member, nor roams by force on-loss only", () => {
  fc.assert(fc.property(situation, (s) => {
    const d = decideOnChange(s);
    if (!d) return;
    assert.notEqual(d.identifier, s.current);
    assert.notEqual(d.identifier, s.ignored);
    assert.equal(d.identifier, preferredMember(s.members)?.identifier);
    assert.equal(d.alr, roamingMode(s.capabilities, s.alrWanted) === "alr");
    if (!d.alr) assert.equal(s.forcedRoaming, "on-loss-or-better");
    assert.equal(d.seamless, s.seamless);
  }));
});

Deno.test("roaming policy: a change offers a better member whenever one is preferred and the mode allows it", () => {
  fc.assert(fc.property(situation, (s) => {
    const best = preferredMember(s.members);
    const mode = roamingMode(s.capabilities, s.alrWanted);
    const expected = best !== undefined && best.identifier !== s.current && best.identifier !== s.ignored &&
      mode !== "none" && !(mode === "forced" && s.forcedRoaming === "on-loss");
    assert.equal(decideOnChange(s) !== undefined, expected);
  }));
});

Deno.test("roaming policy: a loss roams only the session on the lost member, never back onto it", () => {
  fc.assert(fc.property(situation, fc.constantFrom(...ids), (s, lost) => {
    const d = decideOnLoss(s, lost);
    if (lost !== s.current || roamingMode(s.capabilities, s.alrWanted) === "none") {
      return assert.equal(d, undefined);
    }
    const next = preferredMember(s.members, lost);
    assert.equal(d?.identifier, next?.identifier);
    if (d) {
      assert.notEqual(d.identifier, lost);
      assert.equal(d.alr, roamingMode(s.capabilities, s.alrWanted) === "alr");
    }
  }));
});

Deno.test("roaming policy: a weak preferred member loses to a usable lower one; an ignored one is not offered", () => {
  const base: RoamSituation = {
    capabilities: ["application-level-roaming", "forced-roaming"],
    alrWanted: true,
    forcedRoaming: "on-loss-or-better",
    members: [
      { identifier: "wlan", state: "discovered", signal: WEAK_SIGNAL - 1 },
      { identifier: "lte", state: "active" },
    ],
    current: "lte",
    seamless: false,
  };
  assert.equal(decideOnChange(base), undefined);
  const strong = { ...base, members: [{ ...base.members[0], signal: WEAK_SIGNAL }, base.members[1]] };
  assert.deepEqual(decideOnChange(strong), { identifier: "wlan", seamless: false, alr: true });
  assert.equal(decideOnChange({ ...strong, ignored: "wlan" }), undefined);
  assert.equal(decideOnChange({ ...strong, alrWanted: false, forcedRoaming: "on-loss" }), undefined);
});
