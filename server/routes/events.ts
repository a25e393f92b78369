// The event stream: Server-Sent Events at /v1/events and the same events over WebSocket at /v1/events/ws.
// An open stream with ?client= holds that client's leases. Mounted at /v1/events.
import type { Context } from "hono";
import { DaemonError } from "../errors.ts";
import type { BusItem, Subscriber } from "../event_bus.ts";
import { CLIENT_KEY_HEADER, type KeepAliveMarker } from "../protocol.ts";
import * as v from "../_validate.ts";
import type { AppEnv, RouteContext, Routes } from "./_context.ts";
import { claimClient, unauthorized } from "./auth.ts";
import { routes } from "./_context.ts";

const encoder = new TextEncoder();
const KEEP_ALIVE = JSON.stringify({ type: "keep-alive" } satisfies KeepAliveMarker);

/** `?client=` and the resume point (`Last-Event-ID`, else `?since=`). */
function streamOptions(c: Context): { client?: string; since?: number } {
  const client = v.optionalId(c.req.query("client"), "client");
  const lastId = c.req.header("last-event-id");
  const sinceParam = c.req.query("since");
  const since = lastId !== undefined && lastId !== ""
    ? v.sequence(lastId, "Last-Event-ID")
    : sinceParam !== undefined
    ? v.sequence(sinceParam, "since")
    : undefined;
  return { client, since };
}

const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Accel-Buffering": "no",
};

/**
 * `GET /v1/events` (SSE) and `GET /v1/events/ws` (WebSocket). A stream with `?client=` holds that client's
 * leases: it needs authority and the client's key. An anonymous SSE stream (no client) is read only and
 * capped (`maxAnonymousStreams`); `HEAD` opens no stream; a WebSocket needs authority.
 */
export function eventRoutes(ctx: RouteContext): Routes {
  const { daemon, keepAliveMs } = ctx;
  const app = routes();
  let anonymous = 0;

  /** The subscription of an authorized or anonymous caller, and the headers of its answer. */
  const open = (c: Context<AppEnv>, needsAuthority: boolean) => {
    const options = streamOptions(c);
    const authority = c.get("authority");
    if ((needsAuthority || options.client !== undefined) && authority === undefined) {
      throw unauthorized(
        options.client === undefined
          ? "a WebSocket event stream"
          : "a client's event stream holds its leases",
      );
    }
    const headers: Record<string, string> = {};
    if (options.client !== undefined) {
      claimClient(ctx, c, options.client);
      const sub = daemon.subscribe(options);
      headers[CLIENT_KEY_HEADER] = daemon.clientKey(options.client)!;
      return { sub, headers };
    }
    if (authority === undefined) {
      if (anonymous >= ctx.maxAnonymousStreams) {
        throw new DaemonError(
          429,
          "too-many-requests",
          `${anonymous} anonymous event streams are open already; sign in, send the token, or retry later`,
        );
      }
      const sub = daemon.subscribe(options);
      anonymous++;
      const close = sub.close.bind(sub);
      let counted = true;
      sub.close = () => {
        close();
        if (counted) anonymous--;
        counted = false;
      };
      return { sub, headers };
    }
    return { sub: daemon.subscribe(options), headers };
  };

  app.get("/", (c) => {
    if (c.req.method === "HEAD") {
      // HEAD opens no stream: the headers a GET would have, and nothing is subscribed.
      return new Response(null, { headers: SSE_HEADERS });
    }
    const { sub, headers } = open(c, false);
    return new Response(sseStream(sub, keepAliveMs), { headers: { ...SSE_HEADERS, ...headers } });
  });

  app.get("/ws", (c) => {
    if (c.req.method === "HEAD" || (c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
      throw new DaemonError(
        426,
        "upgrade-required",
        "this route speaks WebSocket: connect with a WebSocket client (Upgrade: websocket)",
        "Upgrade",
      );
    }
    const { sub, headers } = open(c, true);
    let socket: WebSocket, response: Response;
    try {
      ({ socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 60 }));
    } catch (error) {
      sub.close();
      throw new DaemonError(400, "bad-request", `WebSocket upgrade failed: ${(error as Error).message}`);
    }
    try {
      for (const [k, value] of Object.entries(headers)) response.headers.set(k, value);
    } catch { /* immutable headers: the key is in the hello's client anyway known to the caller */ }
    socket.onopen = () => pumpWebSocket(socket, sub, keepAliveMs, ctx.webSocketHighWater);
    socket.onclose = () => sub.close();
    socket.onerror = () => sub.close();
    socket.onmessage = (e) => {
      // Clients have nothing to say on this socket (the connection guard refuses large frames before they are
      // read); anything else is refused by closing.
      if (typeof e.data !== "string" || e.data.length > 4096) socket.close(1009, "messages are not accepted");
    };
    return response;
  });

  return app;
}

/** Each item's SSE frame, encoded once for all the streams that send it (an event goes to every one). */
const frames = new WeakMap<BusItem, Uint8Array>();
const RETRY_FRAME = encoder.encode("retry: 1000\n\n");
const KEEP_ALIVE_FRAME = encoder.encode(": keep-alive\n\n");

function frameOf(item: BusItem): Uint8Array {
  let bytes = frames.get(item);
  if (bytes === undefined) {
    bytes = encoder.encode(sseFrame(item));
    frames.set(item, bytes);
  }
  return bytes;
}

/**
 * The subscription as SSE frames, a keep-alive comment after `keepAliveMs` without a frame; a client that
 * goes away ends it. The bus hands a frame to the stream synchronously (`onReady`) while the stream has room
 * (`highWaterMark: 1`: one frame at most waits in the stream; the rest wait in the subscriber's bounded
 * queue, which drops and tells of a gap beyond its limit). While the HTTP layer keeps up, the stream's pull
 * stays pending, so an event costs no promise, timer or encoding per stream; pull is called only to drain a
 * backlog after the stream ran out of room. The keep-alive timer is re-armed only when it fires.
 */
function sseStream(sub: Subscriber, keepAliveMs: number): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  let lastSent = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resume: (() => void) | undefined; // settles the pending pull: the stream asks again when it has room
  const finish = () => {
    done = true;
    sub.onReady(undefined);
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    resume?.();
    resume = undefined;
  };
  const put = (bytes: Uint8Array) => {
    controller.enqueue(bytes);
    lastSent = performance.now();
  };
  /** Moves what waits into the stream while it has room; true when it ran out of room first. */
  const drain = (): boolean => {
    while (!done) {
      if ((controller.desiredSize ?? 0) <= 0) return true;
      const item = sub.poll();
      if (item === undefined) return false;
      if (item === null) {
        finish();
        controller.close();
        return false;
      }
      put(frameOf(item));
    }
    return false;
  };
  const keepAlive = () => {
    timer = undefined;
    if (done) return;
    const left = lastSent + keepAliveMs - performance.now();
    if (left <= 0 && (controller.desiredSize ?? 0) > 0) put(KEEP_ALIVE_FRAME);
    timer = setTimeout(keepAlive, left > 0 ? left : keepAliveMs);
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      controller.enqueue(RETRY_FRAME);
      timer = setTimeout(keepAlive, keepAliveMs);
      sub.onReady(() => {
        if (done) return;
        try {
          if (drain()) {
            resume?.(); // no room: the stream pulls again once the HTTP layer has read
            resume = undefined;
          }
        } catch {
          // the stream is gone (its reader errored): end the subscription, not the publisher's loop
          finish();
          sub.close();
        }
      });
    },
    pull() {
      if (drain() || done) return;
      // Everything is sent: wait (pending) until the bus runs the stream out of room again.
      return new Promise<void>((resolve) => resume = resolve);
    },
    cancel() {
      finish();
      sub.close();
    },
  }, { highWaterMark: 1 });
}

function sseFrame(item: BusItem): string {
  return `${item.id === undefined ? "" : `id: ${item.id}\n`}data: ${item.data}\n\n`;
}

async function pumpWebSocket(socket: WebSocket, sub: Subscriber, keepAliveMs: number, highWater: number) {
  try {
    for (;;) {
      // Feed the socket only while it drains: a stalled peer fills its bounded queue and gets a gap.
      while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > highWater) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (socket.readyState !== WebSocket.OPEN) break;
      const item = await sub.next(keepAliveMs);
      if (socket.readyState !== WebSocket.OPEN) break;
      if (item === null) {
        socket.close(1001, "the daemon is shutting down");
        break;
      }
      socket.send(item === undefined ? KEEP_ALIVE : item.data);
    }
  } catch {
    // the peer went away
  } finally {
    sub.close();
  }
}
