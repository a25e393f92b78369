// The baselines the core's benchmarks measure against (core/session_bench.ts, scripts/bench/alloc.ts), in plain
// JS: the bare stand-in, and the least the contract requires of an open+close. Not published.

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

const byKey = new Map<string, Set<object>>([["a", new Set()]]);
const sessions = new Set<object>();
const leases = new Map<string, Set<object>>([["a", new Set([{}])]]);
const counters = { bytesReceived: 0, bytesWritten: 0 };
const driver = { statistics: (_identifier: string) => counters };

/** The least state a session on an access point keeps (see {@linkcode leastOpenClose}). */
class LeastSession {
  state = "connecting";
  openedAt: number | undefined = undefined;
  indexKey: string | undefined = undefined;
  received = 0;
  written = 0;
  settle: ((opened: boolean) => void) | undefined = undefined;
  constructor(readonly identifier: string) {}
}

/**
 * The least an open+close on an access point another session holds must do for the contract, in plain JS: a
 * session object; its `open()` promise, settled a microtask later (the lease's answer); filed in the manager's
 * index by the configuration it acts on (world changes reach it) and in the lease table by link (hold counts);
 * the time it opened read from the clock (`activeTime`); the link's counters read from the driver
 * (`bytesReceivedSinceOpen` starts there); an event on open and one on close. No state machine, no usage
 * policies, no reachability. Where this floor sits against {@linkcode standInOpenClose} shows how much of a
 * target stated against the stand-in the contract leaves to the session's own machinery.
 */
export async function leastOpenClose(): Promise<number> {
  const s = new LeastSession("a");
  const opened = new Promise<boolean>((resolve) => s.settle = resolve);
  s.indexKey = s.identifier;
  sessions.add(s);
  byKey.get(s.identifier)!.add(s);
  leases.get(s.identifier)!.add(s);
  queueMicrotask(() => {
    s.openedAt = performance.now();
    const c = driver.statistics(s.identifier);
    s.received = c.bytesReceived;
    s.written = c.bytesWritten;
    s.state = "connected";
    emit(s.state);
    s.settle!(true);
  });
  await opened;
  leases.get(s.identifier)!.delete(s);
  sessions.delete(s);
  byKey.get(s.indexKey)!.delete(s);
  s.indexKey = s.openedAt = undefined;
  s.state = "disconnected";
  emit(s.state);
  return heard;
}
