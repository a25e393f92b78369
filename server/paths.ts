/**
 * Where a local daemon is found: its Unix socket and its token file. Shared by
 * `serve()` (where it listens) and `RemoteDriver` (where it connects).
 *
 * @module
 */

/**
 * The default token file: `$XDG_RUNTIME_DIR/netsession/token` when that is
 * set, else `~/.netsession/token`.
 *
 * @example
 * ```ts
 * import { defaultTokenFile } from "@netsession/server";
 * console.log(defaultTokenFile().endsWith("token")); // true
 * ```
 */
export function defaultTokenFile(): string {
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  if (runtime) return `${runtime}/netsession/token`;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  return `${home}/.netsession/token`;
}

/** The port `serve()` listens on unless told otherwise (the dashboard). */
export const DEFAULT_PORT = 7421;

/** The system daemon's socket (`netsession serve` as root, the systemd unit). */
export const SYSTEM_SOCKET = "/run/netsession/daemon.sock";

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * Where `netsession serve` listens by default: as root
 * `/run/netsession/daemon.sock`, else `$XDG_RUNTIME_DIR/netsession/daemon.sock`
 * (without `XDG_RUNTIME_DIR`: `~/.netsession/daemon.sock`).
 *
 * @example
 * ```ts
 * import { defaultSocketPath } from "@netsession/server";
 * console.log(defaultSocketPath().endsWith("daemon.sock")); // true
 * ```
 */
export function defaultSocketPath(): string {
  if (isRoot()) return SYSTEM_SOCKET;
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  if (runtime) return `${runtime}/netsession/daemon.sock`;
  const home = Deno.env.get("HOME") ?? ".";
  return `${home}/.netsession/daemon.sock`;
}

function isSocket(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isSocket === true || (info.isSocket === null && !info.isFile && !info.isDirectory);
  } catch {
    return false;
  }
}

/**
 * The local daemon's socket, as a client finds it: `$NETSESSION_SOCKET` if
 * set, else the first of this user's default socket and the system daemon's
 * (`/run/netsession/daemon.sock`) that exists; else this user's default
 * (connecting then fails, naming it).
 *
 * @example
 * ```ts
 * import { findDaemonSocket } from "@netsession/server";
 * console.log(findDaemonSocket().endsWith(".sock")); // true
 * ```
 */
export function findDaemonSocket(): string {
  const forced = Deno.env.get("NETSESSION_SOCKET");
  if (forced) return forced;
  const own = defaultSocketPath();
  for (const candidate of [own, SYSTEM_SOCKET]) if (isSocket(candidate)) return candidate;
  return own;
}
