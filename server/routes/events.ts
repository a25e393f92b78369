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
 * The subscription as SSE frames, a keep-alive comment after `keepAliveMs` without one; a client that goes
 * away ends it. One frame per read of the HTTP layer (`highWaterMark: 0`: what it does not read waits in the
 * subscriber's bounded queue). The bus wakes a waiting stream synchronously (`onReady`), so an event costs
 * no promise, timer or encoding per stream; the keep-alive timer is re-armed only when it fires.
 */
function sseStream(sub: Subscriber, keepAliveMs: number): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let first = true;
  let waiting = false; // the HTTP layer asked for a chunk and has none yet
  let waitingSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const finish = () => {
    done = true;
    sub.onReady(undefined);
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  /** Gives the waiting reader the next item, if there is one (or ends the stream once the bus closed it). */
  const send = (): boolean => {
    const item = sub.poll();
    if (item === undefined) return false;
    waiting = false;
    if (item === null) {
      finish();
      controller.close();
    } else {
      controller.enqueue(frameOf(item));
    }
    return true;
  };
  const keepAlive = () => {
    timer = undefined;
    if (done || !waiting) return; // re-armed by the next wait
    const left = waitingSince + keepAliveMs - performance.now();
    if (left > 0) {
      timer = setTimeout(keepAlive, left);
      return;
    }
    waiting = false;
    controller.enqueue(KEEP_ALIVE_FRAME);
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      sub.onReady(() => {
        if (!waiting || done) return;
        try {
          send();
        } catch {
          // the stream is gone (its reader errored): end the subscription, not the publisher's loop
          finish();
          sub.close();
        }
      });
    },
    pull() {
      if (done) return;
      if (first) {
        first = false;
        controller.enqueue(RETRY_FRAME);
        return;
      }
      if (send()) return;
      waiting = true;
      waitingSince = performance.now();
      timer ??= setTimeout(keepAlive, keepAliveMs);
    },
    cancel() {
      finish();
      sub.close();
    },
  }, { highWaterMark: 0 });
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
