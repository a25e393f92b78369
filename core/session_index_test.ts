import assert from "node:assert/strict";
import { SessionIndex } from "./_session_index.ts";
import type { NetworkSession } from "./network_session.ts";

const session = (name: string) => ({ name }) as unknown as NetworkSession;
const names = (list: NetworkSession[]) => list.map((s) => (s as unknown as { name: string }).name);

Deno.test("concerned: the sessions filed under the access point, its service networks, need views and its holders, each once", () => {
  const index = new SessionIndex();
  const onAp = session("on-wlan"), onSn = session("on-any"), onOther = session("on-lte");
  const onNeed = session("on-need"), holderElsewhere = session("user-choice-on-wlan");
  index.add(onAp, "wlan");
  index.add(onSn, "any");
  index.add(onOther, "lte");
  index.add(onNeed, "need:1");
  index.add(holderElsewhere, "ask");
  // onSn holds wlan (it is on a member), onNeed too, holderElsewhere too: each is still told once
  const told = index.concerned("wlan", ["any"], [onSn, onNeed, holderElsewhere, onAp]);
  assert.deepEqual(names(told), ["on-wlan", "on-any", "on-need", "user-choice-on-wlan"]);
  assert.deepEqual(names(index.concerned("lte", [], [])), ["on-lte", "on-need"]);
  // a removed service network's members: their sessions were filed under it
  assert.deepEqual(names(index.concerned("any", [], [], ["wlan", "any"])), ["on-any", "on-wlan", "on-need"]);
  index.remove(onNeed);
  assert.deepEqual(names(index.concerned("gone", [], [])), []);
});

Deno.test("the index keeps every session and each key's sessions in filing order through removals and re-filings", () => {
  const index = new SessionIndex();
  const [a, b, c, d] = ["a", "b", "c", "d"].map(session);
  index.add(a, "wlan");
  index.add(b, "wlan");
  index.add(c, "wlan");
  index.add(d, "lte");
  index.remove(b); // from the middle
  assert.deepEqual(names(index.list()), ["a", "c", "d"]);
  assert.deepEqual(names(index.concerned("wlan", [], [])), ["a", "c"]);
  index.add(a, "lte"); // re-filed: leaves wlan's list and goes last in both
  assert.deepEqual(names(index.list()), ["c", "d", "a"]);
  assert.deepEqual(names(index.concerned("wlan", [], [])), ["c"]);
  assert.deepEqual(names(index.concerned("lte", [], [])), ["d", "a"]);
  index.remove(c); // wlan's last session: its list goes
  index.remove(a); // the last of all
  index.add(b, "wlan");
  assert.deepEqual(names(index.list()), ["d", "b"]);
  assert.deepEqual(names(index.concerned("wlan", [], [])), ["b"]);
  index.remove(d); // the first of all
  index.remove(b);
  assert.deepEqual([index.list(), index.concerned("wlan", [], []), index.concerned("lte", [], [])], [
    [],
    [],
    [],
  ]);
});
