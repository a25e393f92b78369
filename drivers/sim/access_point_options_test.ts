import assert from "node:assert/strict";
import {
  ACCESS_POINT_OPTION_FIELDS,
  parseAccessPointOptions,
  parseScenario,
  parseServiceNetworkOptions,
  SERVICE_NETWORK_OPTION_FIELDS,
  type SimAccessPointOptions,
  simErrorCode,
  SimWorld,
} from "./mod.ts";

const everyField: Required<SimAccessPointOptions> = {
  id: "wlan",
  name: "Home",
  bearer: "wlan",
  signal: 80,
  metered: false,
  purpose: "private",
  activationMs: 200,
  deactivationMs: 20,
  interface: "wlp2s0",
  connectTimeout: 5000,
  device: "wlan0",
  reachability: "local",
  captivePortal: true,
  fadeMs: 4000,
};

Deno.test("ACCESS_POINT_OPTION_FIELDS lists every option, device and connectTimeout included", () => {
  assert.deepEqual([...ACCESS_POINT_OPTION_FIELDS].sort(), Object.keys(everyField).sort());
  assert.deepEqual(parseAccessPointOptions(everyField), everyField);
});

Deno.test("parseAccessPointOptions checks every field and names it", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ signal: 101 }, /^body\.signal: expected a number from 0/],
    [{ bearer: "pigeon" }, /^body\.bearer: expected one of/],
    [{ metered: 1 }, /^body\.metered: expected true or false/],
    [{ purpose: "fun" }, /^body\.purpose: expected one of/],
    [{ activationMs: -1 }, /^body\.activationMs: expected a finite non-negative/],
    [{ deactivationMs: Infinity }, /^body\.deactivationMs:/],
    [{ connectTimeout: 0 }, /^body\.connectTimeout: expected a finite positive/],
    [{ interface: "" }, /^body\.interface: expected a non-empty string/],
    [{ device: 7 }, /^body\.device: expected a non-empty string such as "wlan0"/],
    [{ name: 3 }, /^body\.name: expected a string/],
    [
      { reachability: "far" },
      /^body\.reachability: expected one of "unknown", "local", "site", "online", got "far"/,
    ],
    [{ reachability: "disconnected" }, /^body\.reachability: expected one of "unknown", "local"/],
    [{ captivePortal: "yes" }, /^body\.captivePortal: expected true or false/],
    [{ fadeMs: -5 }, /^body\.fadeMs: expected a finite non-negative number of milliseconds, got -5/],
    [{ colour: "red" }, /^body\.colour: unknown field; expected one of id, name/],
    [{ id: "" }, /^body\.id: expected a non-empty string id/],
  ];
  for (const [fields, message] of bad) {
    assert.throws(() => parseAccessPointOptions({ id: "x", ...fields }, "body"), (e: Error) => {
      assert.match(e.message, message);
      assert.equal(simErrorCode(e), "invalid");
      return true;
    });
  }
  assert.throws(() => parseAccessPointOptions(null), /addAccessPoint\(\) needs an options object/);
  assert.throws(() => parseAccessPointOptions({ id: "x", colour: 1 }), /'colour' is not an option/);
});

Deno.test("the world and the scenario reader reject the same access-point options", () => {
  for (
    const bad of [
      { device: "" },
      { connectTimeout: 0 },
      { colour: "red" },
      { signal: -1 },
      {
        reachability: "offline",
      },
      { captivePortal: 0 },
      { fadeMs: "10s" },
    ]
  ) {
    const options = { id: "x", ...bad } as SimAccessPointOptions;
    assert.throws(() => new SimWorld().addAccessPoint(options), (e) => simErrorCode(e) === "invalid");
    assert.throws(
      () => parseScenario({ world: { accessPoints: [options] }, steps: [] }),
      (e) => simErrorCode(e) === "invalid" && /^world\.accessPoints\[0\]\./.test((e as Error).message),
    );
    assert.throws(
      () => parseScenario({ steps: [{ at: 0, action: "addAccessPoint", ...options }] }),
      (e) => simErrorCode(e) === "invalid" && /^steps\[0\] \(at 0\) \./.test((e as Error).message),
    );
  }
});

Deno.test("parseServiceNetworkOptions checks every field; the world checks the members exist", () => {
  assert.deepEqual([...SERVICE_NETWORK_OPTION_FIELDS].sort(), [
    "connectTimeout",
    "id",
    "members",
    "name",
    "purpose",
    "roamingAvailable",
    "seamless",
  ]);
  assert.throws(
    () => parseServiceNetworkOptions({ id: "sn", members: "wlan" }, "body"),
    /body\.members: expected an array/,
  );
  assert.throws(() => parseServiceNetworkOptions({ id: "sn", members: ["a", "a"] }), /member twice/);
  assert.throws(() => parseServiceNetworkOptions({ id: "sn", members: [], seamless: 1 }), /seamless of 'sn'/);
  assert.deepEqual(parseServiceNetworkOptions({ id: "sn", members: [] }), { id: "sn", members: [] });
});
