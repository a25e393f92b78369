// Shared by the tests that run against a real NetworkManager (scripts/lab).
import type { NetworkSession } from "../../core/mod.ts";
import { sessionLog } from "../../core/_session_log.ts";

/** Polls `condition` in real time until it holds; throws naming `what` after `ms` (a deadline, not an assertion on speed). */
export async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A unix-socket relay in front of a D-Bus bus: a driver connected through it loses its bus connection when the
 * test calls `cut()`, and cannot reconnect while `blocked` (each attempt is accepted, counted, and closed).
 */
export class BusRelay {
  readonly address: string;
  /** Connection attempts refused while blocked. */
  refused = 0;
  blocked = false;
  #listener: Deno.Listener;
  #open = new Set<Deno.Conn>();
  #target: string;

  constructor(busAddress: string, socketPath: string) {
    const m = busAddress.match(/unix:path=([^,;]+)/);
    if (!m) throw new Error(`BusRelay: not a unix:path bus address: ${busAddress}`);
    this.#target = m[1];
    this.#listener = Deno.listen({ transport: "unix", path: socketPath });
    this.address = `unix:path=${socketPath}`;
    void this.#accept();
  }

  async #accept() {
    for await (const client of this.#listener) {
      if (this.blocked) {
        this.refused++;
        client.close();
        continue;
      }
      let upstream: Deno.Conn;
      try {
        upstream = await Deno.connect({ transport: "unix", path: this.#target });
      } catch {
        client.close();
        continue;
      }
      this.#open.add(client).add(upstream);
      const end = () => {
        for (const c of [client, upstream]) {
          if (this.#open.delete(c)) {
            try {
              c.close();
            } catch { /* closed */ }
          }
        }
      };
      client.readable.pipeTo(upstream.writable, { preventClose: true }).catch(() => {}).finally(end);
      upstream.readable.pipeTo(client.writable, { preventClose: true }).catch(() => {}).finally(end);
    }
  }

  /** Drops every relayed connection at once (the bus "goes away" for the clients behind the relay). */
  cut(): void {
    for (const c of [...this.#open]) {
      this.#open.delete(c);
      try {
        c.close();
      } catch { /* closed */ }
    }
  }

  /** Number of connections currently relayed (each client has two: its own and the upstream one). */
  get relayed(): number {
    return this.#open.size / 2;
  }

  close(): void {
    this.cut();
    try {
      this.#listener.close();
    } catch { /* closed */ }
  }
}

/** Records a session's state changes, errors, `closed` and `newConfigurationActivated` ("activated"). */
export function trace(s: NetworkSession): string[] {
  return sessionLog(s, ["stateChanged", "closed", "error", "newConfigurationActivated"]);
}
