import assert from "node:assert/strict";
import { ap, FakeDriver, ManualClock, settle } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import { RecordingDriver } from "./recording_driver.ts";
import { formatTrace, parseTrace, TraceError } from "./trace.ts";

Deno.test("RecordingDriver records the snapshot, every event and every call with its outcome and time", async () => {
  const inner = new FakeDriver([ap("wlan"), ap("lte", { bearerType: "lte" })]);
  inner.auto = false;
  const clock = new ManualClock();
  const streamed: unknown[] = [];
  const recording = new RecordingDriver(inner, { clock, note: "a test", onEntry: (e) => streamed.push(e) });
  const manager = await NetworkConfigurationManager.create(recording, { clock });
  const s = manager.createSession(manager.configurationFromIdentifier("wlan"));
  const opened = s.open();
  await settle();
  clock.advance(300);
  inner.complete("wlan");
  assert.equal(await opened, true);
  clock.advance(200);
  const t = manager.createSession(manager.configurationFromIdentifier("lte"));
  const failed = t.open();
  await settle();
  clock.advance(100);
  inner.fail("lte", "no carrier");
  assert.equal(await failed, false);
  s.close();
  await settle();
  await manager.close();
  const trace = recording.trace;
  assert.deepEqual([trace.version, trace.driver, trace.note], [1, "fake", "a test"]);
  assert.deepEqual(trace.snapshot.configurations.map((c) => c.identifier), ["wlan", "lte"]);
  const lines = trace.entries.map((e) =>
    "event" in e
      ? `${e.at} event ${e.event.type}`
      : `${e.at} ${e.call} ${e.identifier} ${e.ms}ms ${
        e.outcome.ok ? "ok" : `${e.outcome.error}: ${e.outcome.message}`
      }`
  );
  assert.deepEqual(lines, [
    "0 activate wlan 300ms ok",
    "300 event configuration-changed",
    "500 activate lte 100ms unknown: no carrier",
    "600 deactivate wlan 0ms ok",
    "600 event configuration-changed",
  ]);
  assert.equal(streamed.length, 5);
  assert.deepEqual(parseTrace(formatTrace(trace)), JSON.parse(JSON.stringify(trace)), "reads back the same");
});

Deno.test("parseTrace: every error names its line and says what to do", () => {
  const header =
    '{"type":"netsession-trace","version":1,"driver":"sim","snapshot":{"configurations":[],"capabilities":[],"usagePolicies":[]}}';
  const bad = (text: string, line: number, message: RegExp) => {
    assert.throws(() => parseTrace(text), (e: unknown) => {
      assert.ok(e instanceof TraceError);
      assert.equal(e.line, line);
      assert.match(e.message, message);
      return true;
    });
  };
  bad("", 1, /empty; record one with 'netsession record'/);
  bad('{"type":"other"}', 1, /first line must be the trace header/);
  bad(
    header.replace('"version":1', '"version":7'),
    1,
    /version 7 is not supported; this netsession reads version 1/,
  );
  bad(`${header}\n{"at":5,"event":{"type":"nope"}}`, 2, /event.type: expected one of/);
  bad(`${header}\n{"at":5,"event":{"type":"losing"}}\n{"at":2,"event":{"type":"losing"}}`, 3, /time order/);
  bad(
    `${header}\n\n{"at":1,"call":"activate","ms":3,"outcome":{"ok":true}}`,
    3,
    /identifier: a activate call names/,
  );
  bad(`${header}\nnot json`, 2, /not JSON/);
  bad(
    `${header}\n{"at":1,"call":"scan","ms":0,"outcome":{"ok":false,"error":"bad","message":"x"}}`,
    2,
    /outcome.error/,
  );
  assert.equal(parseTrace(`${header}\n`).entries.length, 0);
});
