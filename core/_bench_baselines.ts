// The baselines the core's benchmarks measure against (core/session_bench.ts, scripts/bench/alloc.ts), in plain
// JS. Not published.

const index = new Set<object>();
const holders = new Set<object>();
let heard = 0;
const listeners = [(_state: string) => heard++];
const emit = (state: string) => {
  for (const l of listeners) l(state);
};

/**
 * The bare stand-in of open+close: what a session does at the least (an object filed in two Sets, the index
 * and the lease table, a promise settled and awaited, an event on open and one on close). Resolves to the
 * number of events its listener heard so far (so that no work can be left out).
 */
export async function standInOpenClose(): Promise<number> {
  const s = { state: "connecting" };
  index.add(s);
  holders.add(s);
  await new Promise<void>((resolve) => resolve());
  s.state = "connected";
  emit(s.state);
  holders.delete(s);
  index.delete(s);
  s.state = "disconnected";
  emit(s.state);
  return heard;
}
