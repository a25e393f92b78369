// A hand-driven driver for the core's own unit tests (not exported).
import { type DriverConfiguration, DriverError, type DriverEventSink, type NetworkDriver } from "./driver.ts";
import type { Clock } from "./clock.ts";
import type { Capability, Reachability, UsagePolicy } from "./types.ts";

export function ap(id: string, extra: Partial<DriverConfiguration> = {}): DriverConfiguration {
  return {
    identifier: id,
    name: id.toUpperCase(),
    type: "internet-access-point",
    state: "discovered",
    purpose: "unknown",
    bearerType: "wlan",
    metered: false,
    ...extra,
  };
}

export function sn(
  id: string,
  children: string[],
  extra: Partial<DriverConfiguration> = {},
): DriverConfiguration {
  return {
    identifier: id,
    name: id,
    type: "service-network",
    state: "defined",
    purpose: "unknown",
    bearerType: "unknown",
    metered: false,
    children,
    ...extra,
  };
}

export class FakeDriver implements NetworkDriver {
  readonly name = "fake";
  configs = new Map<string, DriverConfiguration>();
  sink: DriverEventSink | undefined;
  calls: string[] = [];
  pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  /** Activations complete on their own (next microtask) unless false. */
  auto = true;
  capabilities: Capability[] = [
    "can-start-and-stop-interfaces",
    "data-statistics",
    "application-level-roaming",
    "forced-roaming",
  ];
  policies: UsagePolicy[] = [];
  stats = new Map<string, { bytesReceived: number; bytesWritten: number }>();
  defaultId: string | undefined;
  /** Access points held up by "another program". */
  external = new Set<string>();
  /** Access points sharing a device: bringing one up takes the others on it down (as NetworkManager does). */
  devices = new Map<string, string>();

  constructor(configs: DriverConfiguration[] = []) {
    for (const c of configs) this.configs.set(c.identifier, c);
  }

  start(sink: DriverEventSink) {
    this.sink = sink;
    return Promise.resolve({
      configurations: [...this.configs.values()],
      capabilities: this.capabilities,
      usagePolicies: this.policies,
      defaultConfiguration: this.defaultId,
    });
  }
  scan() {
    return Promise.resolve();
  }
  set(id: string, patch: Partial<DriverConfiguration>) {
    const c = { ...this.configs.get(id)!, ...patch };
    this.configs.set(id, c);
    this.sink?.({ type: "configuration-changed", configuration: c });
  }
  add(c: DriverConfiguration) {
    this.configs.set(c.identifier, c);
    this.sink?.({ type: "configuration-added", configuration: c });
  }
  remove(id: string) {
    this.configs.delete(id);
    this.sink?.({ type: "configuration-removed", identifier: id });
  }
  up(id: string) {
    this.set(id, {
      state: "active",
      interface: { name: `if-${id}`, index: 7, addresses: [`10.0.0.${id.length}/24`] },
      ...this.reach.get(id),
    });
  }
  /** How far each access point reaches once up (absent: the driver cannot tell). */
  reach = new Map<string, { reachability?: Reachability; captivePortal?: boolean }>();
  /** Changes how far `id` reaches (now if up, and on every later start). */
  setReach(id: string, reachability: Reachability, captivePortal = false) {
    this.reach.set(id, { reachability, captivePortal });
    if (this.configs.get(id)?.state === "active") this.set(id, { reachability, captivePortal });
  }
  down(id: string) {
    this.set(id, { state: "discovered", interface: undefined });
  }
  activate(id: string, options?: { signal?: AbortSignal }) {
    this.calls.push(`activate ${id}`);
    const c = this.configs.get(id);
    if (!c) return Promise.reject(new DriverError("invalid-configuration", `unknown ${id}`));
    if (c.state === "active") return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.pending.delete(id);
        const device = this.devices.get(id);
        for (const [other, d] of this.devices) {
          if (other === id || d !== device || this.configs.get(other)?.state !== "active") continue;
          this.external.delete(other);
          this.down(other);
        }
        this.up(id);
        resolve();
      };
      this.pending.set(id, { resolve: done, reject: (e) => (this.pending.delete(id), reject(e)) });
      options?.signal?.addEventListener("abort", () => {
        if (this.pending.has(id)) this.pending.get(id)!.reject(new DriverError("session-aborted", "aborted"));
      });
      if (this.auto) queueMicrotask(() => this.pending.get(id)?.resolve());
    });
  }
  complete(id: string) {
    this.pending.get(id)!.resolve();
  }
  fail(id: string, message = "boom") {
    this.pending.get(id)!.reject(new DriverError("unknown", message));
  }
  externalUp(id: string) {
    this.external.add(id);
    if (this.configs.get(id)?.state !== "active") this.up(id);
  }
  externalDown(id: string) {
    this.external.delete(id);
    if (this.configs.get(id)?.state === "active") this.down(id);
  }
  deactivate(id: string, options?: { force?: boolean }) {
    this.calls.push(`deactivate ${id}${options?.force ? " force" : ""}`);
    if (options?.force) this.external.delete(id);
    else if (this.external.has(id)) return Promise.resolve();
    if (this.configs.get(id)?.state === "active") this.down(id);
    return Promise.resolve();
  }
  statistics(id: string) {
    return this.stats.get(id);
  }
  checkReachability(id: string): Promise<Reachability> {
    this.calls.push(`check ${id}`);
    return Promise.resolve(this.configs.get(id)?.reachability ?? "unknown");
  }
  close() {
    this.sink = undefined;
    return Promise.resolve();
  }
}

/** A clock moved by hand (`advance(ms)` runs the timers due). */
export class ManualClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.#id;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  advance(ms: number) {
    this.t += ms;
    const due = this.timers.filter((t) => t.at <= this.t).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.t);
    for (const t of due) t.fn();
  }
}

/** Lets every queued promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
