// The lab's process table stops the processes it started by their own handles: a live child whose command line
// does not name the lab (or cannot be read, as once happened under a loaded parallel run) is still stopped, and
// stopping never waits for ever. Needs no lab (a `sleep` child stands in for NetworkManager).
import assert from "node:assert/strict";
import { LabProcesses } from "./processes.ts";
import type { LabRecord } from "./types.ts";

function record(): LabRecord {
  return {
    id: "test",
    dir: "/nonexistent/lab-dir-named-by-no-process",
    ownerPid: Deno.pid,
    persistent: false,
    namespaces: [],
    pids: {},
    busAddress: "",
    accessPoints: [],
  };
}

/** A lab process table with a 20 s `sleep` child adopted as NetworkManager. */
function withSleeper(): { r: LabRecord; table: LabProcesses; child: Deno.ChildProcess } {
  const r = record();
  const table = new LabProcesses(r);
  const child = new Deno.Command("sleep", { args: ["20"], stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
  table.adopt("nm", child);
  return { r, table, child };
}

Deno.test("stopAll stops a child it started even when its command line does not name the lab", async () => {
  const { table, child } = withSleeper();
  await table.stopAll();
  const status = await child.status;
  assert.equal(status.signal, "SIGTERM", "ended by the lab, not by running out its 20 s");
});

Deno.test("kill stops a child by its handle with the signal asked for", async () => {
  const { r, table, child } = withSleeper();
  await table.kill("nm", "SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  assert.equal(r.pids.nm, undefined, "forgotten");
});
