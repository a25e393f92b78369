/**
 * The daemon's listeners: the public Unix socket (mode 0660, optionally a
 * group's; never reachable with looser permissions, not even for a moment),
 * the loopback TCP port, and the private sockets of the HTTP servers behind
 * the {@linkcode ConnectionGuard}.
 *
 * @module
 */

import { ConnectionGuard, type GuardLimits } from "./_conn_guard.ts";
import { randomId } from "./_ids.ts";

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** The gid of a group name or number (from `/etc/group`). */
export async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await Deno.readTextFile("/etc/group").catch(() => "");
  for (const line of text.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && /^\d+$/.test(gid ?? "")) return Number(gid);
  }
  throw new Error(`--socket-group ${group}: no such group`);
}

/** Removes a socket file that no daemon listens on any more; throws if one does. */
async function clearStale(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return;
  }
  if (info.isFile || info.isDirectory || info.isSymlink) {
    throw new Error(`${path} exists and is not a socket; remove it or pass --socket PATH`);
  }
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    throw new Error(`another daemon is listening on ${path}; stop it or pass --socket PATH`);
  } catch (error) {
    if ((error as Error).message.startsWith("another daemon")) throw error;
  }
  await Deno.remove(path);
}

/**
 * Listens on the Unix socket `path` with mode 0660 (group `gid` if given). The socket is bound in a private
 * directory (0700) beside `path`, its mode and group set, then renamed into place: no one can connect before
 * its permissions are final.
 */
export async function listenSocket(path: string, gid?: number): Promise<Deno.UnixListener> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true, mode: path.startsWith("/run/") ? 0o755 : 0o700 });
  await clearStale(path);
  const tmp = `${dir}/.netsession-${randomId(4)}`;
  await Deno.mkdir(tmp, { mode: 0o700 });
  try {
    const listener = Deno.listen({ transport: "unix", path: `${tmp}/s` });
    try {
      await Deno.chmod(`${tmp}/s`, 0o660);
      if (gid !== undefined) await Deno.chown(`${tmp}/s`, null, gid);
      await Deno.rename(`${tmp}/s`, path);
    } catch (error) {
      listener.close();
      throw error;
    }
    return listener;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** A front listener relayed through a {@linkcode ConnectionGuard} to a private HTTP server. */
export interface GuardedServer {
  readonly guard: ConnectionGuard;
  readonly server: Deno.HttpServer<Deno.UnixAddr>;
  /** Stops accepting, ends the relayed connections, shuts the HTTP server down. */
  close(): Promise<void>;
}

/**
 * Serves `handler` on a private socket in `privateDir` and relays the connections of `front` to it through a
 * guard with `limits`.
 */
export async function guardedServer(
  front: Deno.Listener,
  privateDir: string,
  name: string,
  handler: (request: Request) => Response | Promise<Response>,
  onError: (error: unknown) => Response,
  limits: GuardLimits,
): Promise<GuardedServer> {
  const path = `${privateDir}/${name}.sock`;
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({ path, onListen: () => listening.resolve(), onError }, handler);
  await listening.promise;
  const guard = new ConnectionGuard(front, path, limits);
  return {
    guard,
    server,
    async close() {
      await guard.close();
      await server.shutdown();
    },
  };
}
