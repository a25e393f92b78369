// What the daemon keeps per client and per daemon session: shared by clients.ts (leases) and
// daemon_sessions.ts (the sessions), which each own one half.
import type { NetworkNeed, NetworkSession, Subscription } from "@netsession/core";
import type { RoamingMode } from "./protocol.ts";

/** A client the daemon knows: its sessions, open event streams and lease. */
export interface ClientRecord {
  readonly id: string;
  /** The per-client secret the daemon issued with the client (`X-Netsession-Client-Key`): who names this id must present it. */
  readonly key: string;
  readonly sessions: Map<string, Held>;
  streams: number;
  /** Whether an event stream ever held it: then its holds go when its last stream closes, not a TTL later. */
  streamed: boolean;
  ttlMs: number;
  timer: unknown;
  lastSeen: number;
}

/** A daemon session: one `NetworkSession` (one lease in the core's counter) of a client. */
export interface Held {
  readonly id: string;
  readonly client: ClientRecord;
  readonly session: NetworkSession;
  readonly configuration: string;
  /** The need it was opened on, if any (`configuration` is then its view's `need:N`). */
  readonly need: NetworkNeed | undefined;
  readonly roaming: RoamingMode;
  readonly subscriptions: Subscription[];
  readonly properties: Set<string>;
  started: boolean;
  finished: boolean;
  lastAccessPoint: string;
  readonly done: Promise<void>;
  resolveDone: () => void;
}
