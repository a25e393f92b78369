/**
 * The connection guard in front of the daemon's HTTP server: every accepted
 * connection (TCP or the Unix socket) is relayed to the server on a private
 * socket, and the guard enforces what `Deno.serve` has no option for:
 *
 * - a **header time-out** (a request head must be complete this long after the connection opened or after its
 *   first byte; 408 and closed), a **body time-out** (a declared body must arrive this long after its head),
 *   an **idle time-out** (no byte either way; an event stream's keep-alives keep it busy), a cap on the head's
 *   size (431) and on the connections (closed at once beyond it);
 * - request bodies need a `Content-Length` (a chunked request body is refused with 411), so the guard knows
 *   where each request ends;
 * - after a WebSocket upgrade the server accepted (101), every frame the peer sends is checked from its header,
 *   before its payload is read: a message over `maxWebSocketMessage` bytes closes the connection.
 *
 * @module
 */

/** Limits of a {@linkcode ConnectionGuard}. */
export interface GuardLimits {
  /** Ms for a request head (default 10000). */
  readonly headerTimeoutMs?: number;
  /** Ms for a declared request body after its head (default 30000). */
  readonly bodyTimeoutMs?: number;
  /** Ms without a byte either way (default 60000). */
  readonly idleTimeoutMs?: number;
  /** Bytes of a request head (default 16384). */
  readonly maxHeadBytes?: number;
  /** Connections at once (default 1024). */
  readonly maxConnections?: number;
  /** Bytes of one WebSocket message from the peer (default 4096). */
  readonly maxWebSocketMessage?: number;
}

const CRLF2 = new Uint8Array([13, 10, 13, 10]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function refusal(status: number, reason: string, message: string): Uint8Array {
  const body = JSON.stringify({ error: { code: "bad-request", message } });
  return encoder.encode(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${
      encoder.encode(body).length
    }\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** Where the guard is in the peer's WebSocket frames. */
interface WsState {
  readonly header: Uint8Array;
  have: number;
  payloadLeft: number;
  message: number;
}

/** Relays the connections of `listener` to the HTTP server at `upstream`, within the limits. */
export class ConnectionGuard {
  #listener: Deno.Listener;
  #upstream: string;
  #limits: Required<GuardLimits>;
  #open = new Set<() => void>();
  #accepting: Promise<void>;
  #closed = false;
  /** Connections refused or closed by a limit, by reason (for tests and logs). */
  readonly refused: Record<string, number> = {};

  constructor(listener: Deno.Listener, upstream: string, limits: GuardLimits = {}) {
    this.#listener = listener;
    this.#upstream = upstream;
    this.#limits = {
      headerTimeoutMs: limits.headerTimeoutMs ?? 10_000,
      bodyTimeoutMs: limits.bodyTimeoutMs ?? 30_000,
      idleTimeoutMs: limits.idleTimeoutMs ?? 60_000,
      maxHeadBytes: limits.maxHeadBytes ?? 16384,
      maxConnections: limits.maxConnections ?? 1024,
      maxWebSocketMessage: limits.maxWebSocketMessage ?? 4096,
    };
    this.#accepting = this.#accept();
  }

  /** Connections being relayed. */
  get connections(): number {
    return this.#open.size;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        if (this.#closed) return;
        continue;
      }
      if (this.#open.size >= this.#limits.maxConnections) {
        this.#count("connections");
        try {
          conn.close();
        } catch { /* gone */ }
        continue;
      }
      this.#relay(conn);
    }
  }

  #count(reason: string): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
  }

  async #relay(client: Deno.Conn): Promise<void> {
    let upstream: Deno.Conn;
    let ended = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      clearTimeout(idle);
      this.#open.delete(end);
      for (const c of [client, upstream]) {
        try {
          c?.close();
        } catch { /* closed already */ }
      }
    };
    this.#open.add(end);
    const limits = this.#limits;
    const refuse = async (reason: string, bytes?: Uint8Array) => {
      this.#count(reason);
      if (bytes) await writeAll(client, bytes).catch(() => {});
      end();
    };
    const deadline = (ms: number, reason: string, bytes?: Uint8Array) => {
      clearTimeout(timer);
      timer = setTimeout(() => void refuse(reason, bytes), ms);
    };
    const activity = () => {
      clearTimeout(idle);
      idle = setTimeout(() => void refuse("idle"), limits.idleTimeoutMs);
    };
    activity();
    deadline(
      limits.headerTimeoutMs,
      "header-timeout",
      refusal(408, "Request Timeout", "the request head took too long"),
    );
    try {
      upstream = await Deno.connect({ transport: "unix", path: this.#upstream });
    } catch {
      end();
      return;
    }
    if (ended) {
      end();
      return;
    }

    // What the client sends: request heads (each must complete in time), bodies (Content-Length), or frames.
    type Phase = "head" | "body" | "upgrading" | "websocket";
    let phase: Phase = "head";
    let head: Uint8Array = new Uint8Array(0);
    let bodyLeft = 0;
    let upgraded = Promise.withResolvers<boolean>();
    const ws: WsState = { header: new Uint8Array(14), have: 0, payloadLeft: 0, message: 0 };

    const toServer = async (): Promise<void> => {
      const buf = new Uint8Array(16384);
      for (;;) {
        if (phase === "upgrading") {
          const ok = await upgraded.promise;
          phase = ok ? "websocket" : "head";
          if (phase === "websocket") clearTimeout(timer);
        }
        const n = await client.read(buf);
        if (n === null || ended) return;
        activity();
        let chunk: Uint8Array = buf.slice(0, n);
        while (chunk.length > 0 && !ended) {
          if (phase === "websocket") {
            if (!this.#frames(ws, chunk)) {
              await refuse("websocket-message");
              return;
            }
            await writeAll(upstream, chunk);
            chunk = new Uint8Array(0);
          } else if (phase === "body") {
            const take = Math.min(bodyLeft, chunk.length);
            await writeAll(upstream, chunk.subarray(0, take));
            bodyLeft -= take;
            chunk = chunk.subarray(take);
            if (bodyLeft === 0) {
              phase = "head";
              clearTimeout(timer);
            }
          } else {
            // phase "head" (or "upgrading" with pipelined bytes, which a WebSocket client does not send)
            if (head.length === 0) {
              deadline(
                limits.headerTimeoutMs,
                "header-timeout",
                refusal(408, "Request Timeout", "the request head took too long"),
              );
            }
            head = concat(head, chunk);
            chunk = new Uint8Array(0);
            const cut = indexOf(head, CRLF2);
            if (cut < 0) {
              if (head.length > limits.maxHeadBytes) {
                await refuse(
                  "head-too-large",
                  refusal(431, "Request Header Fields Too Large", "the request head is too large"),
                );
                return;
              }
              continue;
            }
            if (cut + 4 > limits.maxHeadBytes) {
              await refuse(
                "head-too-large",
                refusal(431, "Request Header Fields Too Large", "the request head is too large"),
              );
              return;
            }
            const text = decoder.decode(head.subarray(0, cut));
            const rest = head.subarray(cut + 4);
            head = new Uint8Array(0);
            const lines = text.split("\r\n").slice(1);
            const header = (name: string) =>
              lines.filter((l) => l.slice(0, l.indexOf(":")).trim().toLowerCase() === name).map((l) =>
                l.slice(l.indexOf(":") + 1).trim()
              );
            if (header("transfer-encoding").length > 0) {
              await refuse(
                "chunked",
                refusal(411, "Length Required", "send request bodies with a Content-Length, not chunked"),
              );
              return;
            }
            const lengths = header("content-length");
            const length = lengths.length === 0 ? 0 : Number(lengths[0]);
            if (
              lengths.length > 1 || !Number.isSafeInteger(length) || length < 0 ||
              !/^\d+$/.test(lengths[0] ?? "0")
            ) {
              await refuse(
                "bad-length",
                refusal(400, "Bad Request", "the Content-Length is not a single number"),
              );
              return;
            }
            await writeAll(upstream, new Uint8Array(encoder.encode(text + "\r\n\r\n")));
            clearTimeout(timer);
            if (header("upgrade").some((u) => u.toLowerCase() === "websocket")) {
              upgraded = Promise.withResolvers<boolean>();
              phase = "upgrading";
              if (rest.length > 0) {
                await refuse("pipelined-upgrade");
                return;
              }
              break;
            }
            if (length > 0) {
              phase = "body";
              bodyLeft = length;
              deadline(limits.bodyTimeoutMs, "body-timeout");
            }
            chunk = rest;
          }
        }
      }
    };

    const toClient = async (): Promise<void> => {
      const buf = new Uint8Array(16384);
      for (;;) {
        const n = await upstream.read(buf);
        if (n === null || ended) return;
        activity();
        const chunk = buf.subarray(0, n);
        if (phase === "upgrading") {
          upgraded.resolve(decoder.decode(chunk.subarray(0, 12)) === "HTTP/1.1 101");
        }
        await writeAll(client, chunk);
      }
    };

    await Promise.race([toServer(), toClient()]).catch(() => {});
    upgraded.resolve(false);
    end();
  }

  /**
   * Follows the peer's WebSocket frames through `chunk` (headers only; payloads are passed on as they are);
   * false once a message (its frames up to FIN) would exceed the limit.
   */
  #frames(ws: WsState, chunk: Uint8Array): boolean {
    let at = 0;
    const max = this.#limits.maxWebSocketMessage;
    while (at < chunk.length) {
      if (ws.payloadLeft > 0) {
        const take = Math.min(ws.payloadLeft, chunk.length - at);
        ws.payloadLeft -= take;
        at += take;
        continue;
      }
      const h = ws.header;
      h[ws.have++] = chunk[at++];
      if (ws.have < 2) continue;
      const len7 = h[1] & 0x7f;
      const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
      if (ws.have < size) continue;
      let length = len7;
      if (len7 === 126) length = (h[2] << 8) | h[3];
      if (len7 === 127) {
        length = 0;
        for (let i = 2; i < 10; i++) length = length * 256 + h[i];
      }
      const control = (h[0] & 0x08) !== 0;
      if (control ? length > 125 : ws.message + length > max) return false;
      if (!control) ws.message = (h[0] & 0x80) ? 0 : ws.message + length;
      ws.have = 0;
      ws.payloadLeft = length;
    }
    return true;
  }

  /**
   * Stops accepting; the relayed connections get `graceMs` to end by themselves (the server closing them
   * after their last answer), then the rest are ended.
   */
  async close(graceMs = 500): Promise<void> {
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (let waited = 0; this.#open.size > 0 && waited < graceMs; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const end of [...this.#open]) end();
    await this.#accepting;
  }
}
