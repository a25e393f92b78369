import assert from "node:assert/strict";
import {
  bearerTypeFromConnectionType,
  connectivityFromNetworkManager,
  isMetered,
  parseServiceNetworks,
} from "./mapping.ts";

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
