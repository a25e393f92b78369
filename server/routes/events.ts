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

/** The subscription as SSE frames, a keep-alive comment when idle; a client that goes away ends it. */
function sseStream(sub: Subscriber, keepAliveMs: number): ReadableStream<Uint8Array> {
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first) {
        first = false;
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        return;
      }
      const item = await sub.next(keepAliveMs);
      if (item === null) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(item === undefined ? ": keep-alive\n\n" : sseFrame(item)));
    },
    cancel() {
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
