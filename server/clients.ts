/**
 * Clients and leases: the daemon's client records, their limits, and the
 * lease clock that expires a client without an open event stream when its
 * TTL runs out after its last sign of life.
 *
 * @module
 */

import type { Clock } from "@netsession/core";
import { DaemonError } from "./errors.ts";
import type { Subscriber } from "./event_bus.ts";
import type { HeartbeatAnswer } from "./protocol.ts";
import type { ClientRecord } from "./_records.ts";
import { randomToken } from "./_ids.ts";

/** Limits and lease settings of a {@linkcode ClientRegistry}. */
export interface ClientSettings {
  /** The lease clock. */
  readonly clock: Clock;
  /** Default lease TTL, ms. */
  readonly ttlMs: number;
  /** Clients tracked at most. */
  readonly maxClients: number;
  /** Event streams one client may hold open. */
  readonly maxStreamsPerClient: number;
  /** Whether the daemon is shutting down (no lease is armed then). */
  readonly closed: () => boolean;
  /** A client's lease ran out: it is forgotten already; close `sessions` (its daemon session ids). */
  readonly expired: (client: ClientRecord, sessions: string[]) => void;
}

/**
 * What `GET /v1/clients` lists per client.
 *
 * @example
 * ```ts
 * import type { ClientSummary } from "@netsession/server";
 * const idle = (c: ClientSummary) => c.sessions.length === 0;
 * ```
 */
export interface ClientSummary {
  /** The client id. */
  readonly id: string;
  /** Its daemon sessions. */
  readonly sessions: string[];
  /** Its open event streams. */
  readonly streams: number;
  /** Its lease TTL, ms. */
  readonly ttlMs: number;
  /** Ms until its lease runs out, or null while a stream holds it. */
  readonly expiresIn: number | null;
}

/** The clients the daemon knows, with their leases. */
export class ClientRegistry {
  #clients = new Map<string, ClientRecord>();
  #settings: ClientSettings;

  constructor(settings: ClientSettings) {
    this.#settings = settings;
  }

  /** Clients known. */
  get size(): number {
    return this.#clients.size;
  }

  /** The client `id`, if known. */
  find(id: string): ClientRecord | undefined {
    return this.#clients.get(id);
  }

  /** The client `id`, created if new (429 when the daemon tracks too many). */
  get(id: string): ClientRecord {
    let c = this.#clients.get(id);
    if (!c) {
      const max = this.#settings.maxClients;
      if (this.#clients.size >= max) this.#gc();
      if (this.#clients.size >= max) {
        throw new DaemonError(
          429,
          "too-many-requests",
          `the daemon tracks ${this.#clients.size} clients already; close some (DELETE /v1/clients/:id)`,
          "client",
        );
      }
      c = {
        id,
        key: randomToken(24),
        sessions: new Map(),
        streams: 0,
        streamed: false,
        ttlMs: this.#settings.ttlMs,
        timer: undefined,
        lastSeen: 0,
      };
      this.#clients.set(id, c);
    }
    return c;
  }

  /** Forgets clients that hold nothing. */
  #gc(): void {
    for (const c of [...this.#clients.values()]) {
      if (c.sessions.size === 0 && c.streams === 0) this.forget(c);
    }
  }

  /** Forgets a client (its lease timer too). */
  forget(c: ClientRecord): void {
    this.#settings.clock.clearTimeout(c.timer);
    c.timer = undefined;
    if (this.#clients.get(c.id) === c) this.#clients.delete(c.id);
  }

  /** A sign of life: (re)arms the expiry of a client without streams. */
  touch(c: ClientRecord): void {
    const clock = this.#settings.clock;
    c.lastSeen = clock.now();
    clock.clearTimeout(c.timer);
    c.timer = undefined;
    if (c.streams > 0 || this.#settings.closed()) return;
    c.timer = clock.setTimeout(() => this.#expire(c), c.ttlMs);
  }

  #expire(c: ClientRecord): void {
    c.timer = undefined;
    if (c.streams > 0 || this.#clients.get(c.id) !== c) return;
    const sessions = [...c.sessions.keys()];
    this.forget(c);
    this.#settings.expired(c, sessions);
  }

  /** Keeps a client's leases for another TTL (optionally a different one); creates it if new. */
  heartbeat(id: string, ttlMs?: number): HeartbeatAnswer & { sessions: string[] } {
    const c = this.get(id);
    if (ttlMs !== undefined) c.ttlMs = ttlMs;
    this.touch(c);
    return { client: c.id, ttlMs: c.ttlMs, sessions: [...c.sessions.keys()] };
  }

  /** The client that is about to open an event stream (429 beyond its stream limit). */
  streamClient(id: string): ClientRecord {
    const c = this.get(id);
    const max = this.#settings.maxStreamsPerClient;
    if (c.streams >= max) {
      throw new DaemonError(
        429,
        "too-many-requests",
        `client '${c.id}' has ${c.streams} event streams open already (at most ${max}); close one and retry`,
        "client",
      );
    }
    return c;
  }

  /**
   * While `sub` is open it holds `c`'s leases. When the client's last stream closes (the peer went away: its
   * connection closed), its holds go at once: the client expires (no TTL; the TTL is for heartbeat-only clients).
   */
  holdWhileOpen(c: ClientRecord, sub: Subscriber): void {
    c.streams++;
    c.streamed = true;
    this.touch(c);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      c.streams--;
      if (this.#clients.get(c.id) !== c) return;
      if (c.streams === 0 && !this.#settings.closed()) this.#expire(c);
      else this.touch(c);
    };
    const close = sub.close.bind(sub);
    sub.close = () => {
      close();
      release();
    };
  }

  /** Every client and what it holds. */
  list(): ClientSummary[] {
    const now = this.#settings.clock.now();
    return [...this.#clients.values()].map((c) => ({
      id: c.id,
      sessions: [...c.sessions.keys()],
      streams: c.streams,
      ttlMs: c.ttlMs,
      expiresIn: c.streams > 0 ? null : Math.max(0, c.lastSeen + c.ttlMs - now),
    }));
  }

  /** Disarms every lease timer (shutdown). */
  stopTimers(): void {
    for (const c of this.#clients.values()) this.#settings.clock.clearTimeout(c.timer);
  }

  /** Forgets every client (after shutdown). */
  clear(): void {
    this.#clients.clear();
  }
}
