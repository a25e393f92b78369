import assert from "node:assert/strict";
import {
  bearerTypeFromConnectionType,
  connectivityFromNetworkManager,
  isMetered,
  parseServiceNetworks,
  reachabilityFromConnectivity,
} from "./mapping.ts";
import { NMConnectivityState as C } from "./nm_enums.ts";

Deno.test("bearer: connection types", () => {
  assert.equal(bearerTypeFromConnectionType("802-3-ethernet"), "ethernet");
  assert.equal(bearerTypeFromConnectionType("veth"), "ethernet");
  assert.equal(bearerTypeFromConnectionType("802-11-wireless"), "wlan");
  assert.equal(bearerTypeFromConnectionType("bluetooth"), "bluetooth");
  assert.equal(bearerTypeFromConnectionType("wimax"), "wimax");
  for (
    const t of [
      "vpn",
      "wireguard",
      "bridge",
      "bond",
      "vlan",
      "tun",
      "loopback",
      "",
    ]
  ) {
    assert.equal(bearerTypeFromConnectionType(t), "unknown", t);
  }
});

Deno.test("bearer: cellular by access technology, else 2g / cdma2000", () => {
  assert.equal(bearerTypeFromConnectionType("gsm"), "2g");
  assert.equal(bearerTypeFromConnectionType("cdma"), "cdma2000");
  assert.equal(bearerTypeFromConnectionType("gsm", 0), "2g");
  assert.equal(bearerTypeFromConnectionType("gsm", 1 << 4), "2g"); // EDGE
  assert.equal(bearerTypeFromConnectionType("gsm", 1 << 5), "wcdma"); // UMTS
  assert.equal(bearerTypeFromConnectionType("gsm", 1 << 9), "hspa"); // HSPA+
  assert.equal(
    bearerTypeFromConnectionType("gsm", (1 << 14) | (1 << 5)),
    "lte",
  ); // highest wins
  assert.equal(bearerTypeFromConnectionType("gsm", 1 << 15), "5g");
  assert.equal(bearerTypeFromConnectionType("cdma", 1 << 12), "evdo");
  assert.equal(bearerTypeFromConnectionType("cdma", 1 << 10), "cdma2000");
});

Deno.test("connectivity and metered mapping", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 9, undefined].map(connectivityFromNetworkManager),
    [
      "unknown",
      "none",
      "portal",
      "limited",
      "full",
      "unknown",
      "unknown",
    ],
  );
  assert.equal(isMetered(1), true);
  assert.equal(isMetered(3), true);
  assert.equal(isMetered(2, 1), false); // explicit "no" wins over the device's guess
  assert.equal(isMetered(4, 1), false);
  assert.equal(isMetered(0, 3), true);
  assert.equal(isMetered(undefined, 1), true);
  assert.equal(isMetered(0, 4), false);
  assert.equal(isMetered(0), false);
});

Deno.test("service networks file: valid", () => {
  const nets = parseServiceNetworks(
    JSON.stringify({
      serviceNetworks: [
        { id: "office", name: "Office", members: ["u1", "u2"] },
        { id: "x", members: ["u3"] },
      ],
    }),
  );
  assert.deepEqual(nets, [{
    id: "office",
    name: "Office",
    members: ["u1", "u2"],
  }, { id: "x", name: "x", members: ["u3"] }]);
  assert.deepEqual(parseServiceNetworks('{"serviceNetworks": []}'), []);
});

Deno.test("service networks file: clear errors", () => {
  const bad: [string, RegExp][] = [
    ["{", /f\.json: not valid JSON/],
    ["[]", /expected an object \{"serviceNetworks"/],
    ['{"serviceNetworks": {}}', /expected an object \{"serviceNetworks"/],
    ['{"serviceNetworks": [3]}', /serviceNetworks\[0\]: expected an object/],
    [
      '{"serviceNetworks": [{"members": ["a"]}]}',
      /serviceNetworks\[0\]: "id" must be a non-empty string/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "members": []}]}',
      /\("a"\): "members" must be a non-empty array/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "members": [1]}]}',
      /members\[0\] must be a connection UUID/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "members": ["u", "u"]}]}',
      /lists a connection twice/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "name": 3, "members": ["u"]}]}',
      /"name" must be a string/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "members": ["u"], "prio": 1}]}',
      /unknown field\(s\) "prio"/,
    ],
    [
      '{"serviceNetworks": [{"id": "a", "members": ["u"]}, {"id": "a", "members": ["v"]}]}',
      /serviceNetworks\[1\]: duplicate id "a"/,
    ],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseServiceNetworks(text, "f.json"), re, text);
  }
});

Deno.test("reachability: each NetworkManager connectivity state of a device", () => {
  const cases: [number, string, boolean][] = [
    [C.UNKNOWN, "unknown", false],
    [C.NONE, "local", false],
    [C.PORTAL, "site", true],
    [C.LIMITED, "site", false],
    [C.FULL, "online", false],
  ];
  for (const [state, reachability, captivePortal] of cases) {
    assert.deepEqual(
      reachabilityFromConnectivity({ ip4: state }),
      { reachability, captivePortal },
      `ip4 ${state}`,
    );
    assert.deepEqual(
      reachabilityFromConnectivity({ ip6: state }),
      { reachability, captivePortal },
      `ip6 ${state}`,
    );
  }
  assert.deepEqual(reachabilityFromConnectivity({}), { reachability: "unknown", captivePortal: false });
  assert.deepEqual(reachabilityFromConnectivity({ ip4: 99, ip6: "x" }), {
    reachability: "unknown",
    captivePortal: false,
  });
});

Deno.test("reachability: the better of IPv4 and IPv6, in NetworkManager's order (PORTAL beats LIMITED)", () => {
  const r = (ip4: number, ip6: number) => reachabilityFromConnectivity({ ip4, ip6 });
  assert.deepEqual(r(C.FULL, C.NONE), { reachability: "online", captivePortal: false });
  assert.deepEqual(r(C.NONE, C.FULL), { reachability: "online", captivePortal: false });
  assert.deepEqual(r(C.LIMITED, C.PORTAL), { reachability: "site", captivePortal: true });
  assert.deepEqual(r(C.PORTAL, C.LIMITED), { reachability: "site", captivePortal: true });
  assert.deepEqual(r(C.PORTAL, C.FULL), { reachability: "online", captivePortal: false });
  assert.deepEqual(r(C.UNKNOWN, C.NONE), { reachability: "local", captivePortal: false });
  assert.deepEqual(r(C.LIMITED, C.UNKNOWN), { reachability: "site", captivePortal: false });
});

Deno.test("reachability: the global value applies only where the device's are unknown and it is primary", () => {
  assert.deepEqual(reachabilityFromConnectivity({ global: C.PORTAL, primary: true }), {
    reachability: "site",
    captivePortal: true,
  });
  assert.deepEqual(reachabilityFromConnectivity({ ip4: C.UNKNOWN, global: C.FULL, primary: true }), {
    reachability: "online",
    captivePortal: false,
  });
  assert.deepEqual(reachabilityFromConnectivity({ global: C.FULL, primary: false }), {
    reachability: "unknown",
    captivePortal: false,
  });
  // The device knows better than the global value (the best over every device).
  assert.deepEqual(reachabilityFromConnectivity({ ip4: C.NONE, global: C.FULL, primary: true }), {
    reachability: "local",
    captivePortal: false,
  });
});

Deno.test("reachability: 'unknown' when NetworkManager does not check connectivity (its FULL is a guess then)", () => {
  assert.deepEqual(
    reachabilityFromConnectivity({ ip4: C.FULL, global: C.FULL, primary: true, checking: false }),
    {
      reachability: "unknown",
      captivePortal: false,
    },
  );
  assert.deepEqual(reachabilityFromConnectivity({ ip4: C.FULL, checking: true }), {
    reachability: "online",
    captivePortal: false,
  });
});
