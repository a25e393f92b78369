// One connection to V8's inspector (node:inspector) for the measures of `deno task bench:alloc`: the bytes a piece
// of work allocates (_allocation.ts) and the functions it calls (_calls.ts).
import { Session } from "node:inspector";

/** Sends an inspector command; resolves to its result. */
export type Post = <T>(method: string, params?: object) => Promise<T>;

/**
 * Connects to the inspector, runs `use` with a way to send it commands, then sends `cleanup` (each command
 * whatever the others did) and disconnects.
 */
export async function withInspector<T>(
  use: (post: Post) => Promise<T>,
  cleanup: readonly string[],
): Promise<T> {
  const session = new Session();
  session.connect();
  const post: Post = <R>(method: string, params: object = {}) =>
    new Promise<R>((resolve, reject) =>
      session.post(method, params, (error, result) => error ? reject(error) : resolve(result as R))
    );
  try {
    return await use(post);
  } finally {
    for (const method of cleanup) await post(method).catch(() => {});
    session.disconnect();
  }
}
