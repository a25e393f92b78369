// Bytes allocated by a piece of work, from V8's sampling heap profiler (through node:inspector): every object
// made while it runs, also those the garbage collector already took back. Unlike time, this does not move with
// the machine's load, so a change that makes less garbage shows even on a noisy machine.
import { withInspector } from "./_inspector.ts";

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}

/** A sample every this many bytes on average (V8's default is 32 KiB): small enough for sizes per step. */
const SAMPLING_INTERVAL = 64;

function total(node: ProfileNode): number {
  let bytes = node.selfSize;
  for (const child of node.children) bytes += total(child);
  return bytes;
}

/**
 * The bytes `fn` allocates (an estimate from samples: within a few percent once it allocates some megabytes).
 * Runs `fn` once; warm it up first so that compiling it is not counted.
 */
export function bytesAllocated(fn: () => unknown): Promise<number> {
  return withInspector(async (post) => {
    await post("HeapProfiler.enable");
    await post("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await fn();
    const { profile } = await post<{ profile: { head: ProfileNode } }>("HeapProfiler.stopSampling");
    return total(profile.head);
  }, ["HeapProfiler.disable"]);
}
