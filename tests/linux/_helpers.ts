// Shared by the tests that run against a real NetworkManager (scripts/lab).

/** Polls `condition` in real time until it holds; throws naming `what` after `ms` (a deadline, not an assertion on speed). */
export async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
