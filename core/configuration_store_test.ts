// The store keeps the best configuration, the best active access point and the active count as each change
// comes, at the cost of the views the change touches; this property holds them to a plain scan of every view.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigurationStore } from "./_configuration_store.ts";
import { RankIndex } from "./_rank_index.ts";
import { compareConfigurations } from "./_ranking.ts";
import { NetworkConfiguration } from "./configuration.ts";
import type { DriverConfiguration } from "./driver.ts";
import type { BearerType, ConfigurationState } from "./types.ts";

const IDS = ["a", "b", "c", "d", "e"];
const SNS = ["s1", "s2"];

type Op =
  | { kind: "ap"; id: string; state: ConfigurationState; bearer: BearerType; signal: number }
  | { kind: "sn"; id: string; children: string[] }
  | { kind: "uc"; id: string }
  | { kind: "remove"; id: string }
  | { kind: "platform"; id: string | undefined }
  | { kind: "ask" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("ap" as const),
      id: fc.constantFrom(...IDS),
      state: fc.constantFrom<ConfigurationState>("defined", "discovered", "active"),
      bearer: fc.constantFrom<BearerType>("ethernet", "wlan", "lte", "unknown"),
      signal: fc.integer({ min: 0, max: 100 }),
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("sn" as const),
      id: fc.constantFrom(...SNS),
      children: fc.subarray(IDS),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("uc" as const), id: fc.constant("ask") }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("remove" as const), id: fc.constantFrom(...IDS, ...SNS) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("platform" as const),
      id: fc.constantFrom(undefined, "a", "s1", "zz"),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("ask" as const) }), weight: 4 },
) as fc.Arbitrary<Op>;

function record(o: Op): DriverConfiguration | undefined {
  const base = { name: o.kind, purpose: "unknown" as const, metered: false };
  if (o.kind === "ap") {
    return {
      ...base,
      identifier: o.id,
      type: "internet-access-point",
      state: o.state,
      bearerType: o.bearer,
      signal: o.signal,
    };
  }
  if (o.kind === "sn") {
    return {
      ...base,
      identifier: o.id,
      type: "service-network",
      state: "defined",
      bearerType: "unknown",
      children: o.children,
    };
  }
  if (o.kind === "uc") {
    return { ...base, identifier: o.id, type: "user-choice", state: "discovered", bearerType: "unknown" };
  }
  return undefined;
}

/** The plain scan the store's answers must equal: the first best view in order. */
function scanBest(views: Iterable<NetworkConfiguration>, keep: (c: NetworkConfiguration) => boolean) {
  let best: NetworkConfiguration | undefined;
  for (const c of views) if (keep(c) && (!best || compareConfigurations(c, best) < 0)) best = c;
  return best;
}

Deno.test("property: the store's best configuration, best active access point and active count equal a plain scan", () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
      const registry = {
        lookup: (id: string) => store.views.get(id),
        get generation() {
          return store.generation;
        },
      };
      const invalid = new NetworkConfiguration(registry, registry);
      const store: ConfigurationStore = new ConfigurationStore(registry, registry, invalid);
      for (const o of ops) {
        if (o.kind === "remove") store.remove(o.id);
        else if (o.kind === "platform") store.platformDefault = o.id;
        else if (o.kind !== "ask") store.put(record(o)!);
        if (o.kind !== "ask" && ops.indexOf(o) % 3 !== 0) continue; // ask sometimes, so that caches are both warm and cold
        const views = [...store.views.values()];
        const platform = store.platformDefault === undefined
          ? undefined
          : store.views.get(store.platformDefault);
        const expectedDefault = platform?.isValid
          ? platform
          : scanBest(views, (c) => c.type !== "user-choice") ?? invalid;
        assert.equal(store.defaultConfiguration(), expectedDefault, "default configuration");
        const expectedActive = scanBest(
          views,
          (c) => c.type === "internet-access-point" && c.state === "active",
        );
        assert.equal(store.bestActiveAccessPoint(), expectedActive, "best active access point");
        assert.equal(store.anyActive(), expectedActive !== undefined, "any active");
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("rank index: many moves between ranks (heaps rebuilt on the way) still give the first-added best", () => {
  const index = new RankIndex();
  const views = Array.from({ length: 50 }, () => new NetworkConfiguration({ lookup: () => undefined }, {}));
  const rank = new Map<NetworkConfiguration, number>();
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 4;
  for (let step = 0; step < 5000; step++) {
    const i = next() * 12 + (step % 12);
    const v = views[i];
    if (step % 97 === 0) {
      index.drop(v);
      rank.delete(v);
    } else {
      const r = next();
      index.place(v, r, i);
      rank.set(v, r);
    }
    const low = Math.min(...rank.values());
    const expected = views.find((w) => rank.get(w) === low);
    assert.equal(index.best(), expected, `step ${step}`);
    const odd = views.find((w) => rank.get(w) === Math.min(...[...rank.values()].filter((x) => x % 2 === 1)));
    assert.equal(index.best((r) => r % 2 === 1), odd, `step ${step} (odd ranks)`);
  }
});
