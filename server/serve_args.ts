// The command line of `netsession serve` / `deno run -A server/serve.ts`: its usage text and its parser.
import type { ServeOptions } from "./serve.ts";
import { DEFAULT_PORT } from "./paths.ts";

/** The longest time-out a timer takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The command line of `netsession serve` (its `--help`). */
export const SERVE_USAGE = `usage: serve.ts [options]
  --driver sim|linux     driver (default sim)
  --host ADDRESS         listen address (default 127.0.0.1)
  --port N               dashboard and HTTP API on loopback (default ${DEFAULT_PORT}; 0 = any free port)
  --no-tcp               no TCP port (the socket only)
  --socket PATH          Unix socket (default ${"$"}XDG_RUNTIME_DIR/netsession/daemon.sock,
                         as root /run/netsession/daemon.sock); mode 0660, no token needed over it
  --socket-group G       the socket's group: its members may connect
  --no-socket            no Unix socket
  --token-file PATH      token file (default ${"$"}XDG_RUNTIME_DIR/netsession/token or ~/.netsession/token)
  --allow-remote         allow a non-loopback --host
  --scenario FILE        sim: play a JSON scenario
  --seed N               sim: seed (default 1)
  --no-lively            sim: no spontaneous signal changes or traffic
  --lease-ttl MS         lease TTL of clients without an event stream (default 10000)
  --linger MS            keep a link up MS after its last session closed, so that a quick re-open
                         takes it back without a reconnect (default 0: down at once)
  --max-streams N        event streams served at once, all clients together (default 4096)
  --max-connections N    open connections per listener (default 1024); raise both, and the
                         file-descriptor limit (ulimit -n), for thousands of subscribers`;

/**
 * Parses command-line arguments into {@linkcode ServeOptions} (for
 * `netsession serve` and `deno run -A server/serve.ts`). Throws on unknown
 * options with the usage text.
 *
 * @example
 * ```ts
 * import { parseServeArgs } from "@netsession/server";
 * console.log(parseServeArgs(["--port", "0", "--no-lively"])); // { port: 0, lively: false }
 * ```
 */
export function parseServeArgs(args: readonly string[]): ServeOptions {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = () => {
      const v = value ?? args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${SERVE_USAGE}`);
      return v;
    };
    const int = (name: string) => {
      const v = take();
      if (!/^\d+$/.test(v)) {
        throw new Error(`${name} must be a non-negative integer, got '${v}'\n${SERVE_USAGE}`);
      }
      return Number(v);
    };
    switch (arg) {
      case "--driver": {
        const v = take();
        if (v !== "sim" && v !== "linux") {
          throw new Error(`--driver must be sim or linux, got '${v}'\n${SERVE_USAGE}`);
        }
        out.driver = v;
        break;
      }
      case "--host":
        out.host = take();
        break;
      case "--port":
        out.port = int("--port");
        break;
      case "--no-tcp":
        out.port = null;
        break;
      case "--socket":
        out.socket = take();
        break;
      case "--socket-group":
        out.socketGroup = take();
        break;
      case "--no-socket":
        out.socket = null;
        break;
      case "--token-file":
        out.tokenFile = take();
        break;
      case "--allow-remote":
        out.allowRemote = true;
        break;
      case "--scenario":
        out.scenario = take();
        break;
      case "--seed":
        out.seed = int("--seed");
        break;
      case "--no-lively":
        out.lively = false;
        break;
      case "--lease-ttl":
        out.leaseTtlMs = int("--lease-ttl");
        break;
      case "--linger": {
        const ms = int("--linger");
        if (ms > MAX_TIMER_MS) {
          throw new Error(`--linger must be at most ${MAX_TIMER_MS} ms, got ${ms}\n${SERVE_USAGE}`);
        }
        out.lingerMs = ms;
        break;
      }
      case "--max-streams":
      case "--max-connections": {
        const n = int(arg);
        if (n < 1) throw new Error(`${arg} must be at least 1, got ${n}\n${SERVE_USAGE}`);
        if (arg === "--max-streams") out.maxStreams = n;
        else out.limits = { ...(out.limits as object | undefined), maxConnections: n };
        break;
      }
      default:
        throw new Error(`unknown option '${arg}'\n${SERVE_USAGE}`);
    }
  }
  return out as ServeOptions;
}
