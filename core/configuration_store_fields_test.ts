// A service network's report that differs from the record held only in its state is kept without counting as a
// change (`keepReportedState`). `sameButState` must therefore compare every other field of the record: this
// holds it to the field list `COMPARED`, which does not compile without every field of DriverConfiguration.
import assert from "node:assert/strict";
import { COMPARED, sameButState } from "./_configuration_store.ts";
import type { DriverConfiguration } from "./driver.ts";

const base: DriverConfiguration = {
  identifier: "any",
  name: "Any",
  type: "service-network",
  state: "active",
  purpose: "public",
  bearerType: "wlan",
  bearerTypeName: "WLAN",
  metered: false,
  connectTimeout: 30000,
  children: ["wlan", "lte"],
  roamingAvailable: true,
  seamless: false,
  virtualAddresses: ["10.0.0.1"],
  interface: { name: "wlan0", index: 1, addresses: [] },
  signal: 50,
  reachability: "online",
  captivePortal: false,
};

Deno.test("records that differ only in their state are the same but for it", () => {
  assert.equal(sameButState(base, { ...base, state: "discovered" }), true);
  assert.equal(
    sameButState(base, { ...base, children: [...base.children!] }),
    true,
    "lists compare item by item",
  );
});

Deno.test("records that differ in any other field are not, for every field of the record", () => {
  const fields = Object.keys(COMPARED) as (keyof typeof COMPARED)[];
  assert.equal(fields.length, Object.keys(base).length - 1, "the record above sets every field");
  for (const field of fields) {
    const other = COMPARED[field] === "items" ? ["something else"] : Symbol(field);
    const changed = { ...base, [field]: other } as unknown as DriverConfiguration;
    assert.equal(sameButState(base, changed), false, `a change of '${field}' is seen`);
    assert.equal(sameButState(changed, base), false, `a change of '${field}' is seen either way`);
  }
});
