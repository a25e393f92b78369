/**
 * `RemoteDriver`'s event stream: `GET /v1/events?client=ID` as Server-Sent
 * Events, resumed with `Last-Event-ID`, parsed into protocol messages, and
 * reopened with a growing backoff when the connection breaks.
 *
 * @module
 */

import { DriverError } from "@netsession/core";
import { CONNECT_HINT, daemonError } from "./_daemon_http.ts";
import type { StreamMessage } from "./protocol.ts";

/** What an {@linkcode EventStream} needs from its driver. */
export interface EventStreamOptions {
  /** The stream's URL (`…/v1/events?client=ID`). */
  readonly url: string;
  /** The `fetch` to use. */
  readonly fetch: typeof fetch;
  /** The last sequence number seen, sent as `Last-Event-ID` at every (re)connection. */
  readonly lastSeq: () => number;
  /** Handles one message; the next one is read after it resolves. */
  readonly onMessage: (message: StreamMessage) => Promise<void>;
  /** Called after the stream was reopened following a break. */
  readonly onReconnected: () => void;
  /** Longest wait between reconnection attempts, ms (default 5000). */
  readonly maxReconnectMs?: number;
}

/** The daemon's event stream for one client; holds the client's leases while open. */
export class EventStream {
  #options: EventStreamOptions;
  #abort: AbortController | undefined;
  #backoff: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;
  #closed = false;

  constructor(options: EventStreamOptions) {
    this.#options = options;
  }

  /** Opens the stream and starts reading it; rejects with a `DriverError` when it cannot be opened. */
  async open(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const abort = new AbortController();
    this.#abort = abort;
    const url = this.#options.url;
    let res: Response;
    try {
      res = await this.#options.fetch(url, {
        headers: { "Last-Event-ID": String(this.#options.lastSeq()), Accept: "text/event-stream" },
        signal: abort.signal,
      });
    } catch (error) {
      throw new DriverError(
        "unknown",
        `cannot open the daemon's event stream at ${url}: ${(error as Error).message}; ${CONNECT_HINT}`,
        { cause: error },
      );
    }
    if (res.status !== 200 || !res.body) {
      const json = await res.json().catch(() => ({}));
      throw daemonError(json, res.status, "opening the event stream");
    }
    const reader = res.body.getReader();
    this.#readLoop(reader);
    return reader;
  }

  /** Ends the stream and any reconnection for good. */
  close(): void {
    this.#closed = true;
    this.#abort?.abort();
    if (this.#backoff) {
      clearTimeout(this.#backoff.timer);
      this.#backoff.resolve();
    }
  }

  async #readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
          const data = block.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) =>
            l.slice(5).replace(/^ /, "")
          ).join("\n");
          if (data === "") continue;
          let message: StreamMessage;
          try {
            message = JSON.parse(data);
          } catch {
            continue;
          }
          await this.#options.onMessage(message);
          if (this.#closed) return;
        }
      }
    } catch {
      // the connection broke; reconnect below
    } finally {
      reader.releaseLock?.();
    }
    if (!this.#closed) this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    let delay = 100;
    const max = this.#options.maxReconnectMs ?? 5000;
    while (!this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#backoff = undefined;
          resolve();
        }, delay);
        this.#backoff = { timer, resolve };
      });
      if (this.#closed) return;
      try {
        await this.open();
        this.#options.onReconnected();
        return;
      } catch {
        delay = Math.min(max, delay * 2);
      }
    }
  }
}
