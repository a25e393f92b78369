// One-time sign-in codes and the browser sessions they start (the dashboard over TCP), and a comparison of
// secrets in constant time.
import { randomToken } from "./_ids.ts";

/** Compares two strings in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * One-time sign-in codes and the browser sessions they start. Bounded: at most 8 codes waiting and 32
 * signed-in browsers (the oldest goes first); nothing is kept for a request that fails.
 */
export class SignIn {
  #codes: string[] = [];
  #cookies: string[] = [];
  /** The cookie's name (per port: cookies are not scoped by port). */
  readonly cookieName: string;

  constructor(port: number | undefined) {
    this.cookieName = `netsession-${port ?? "app"}`;
  }

  /** A new one-time code. */
  issue(): string {
    const code = randomToken(24);
    this.#codes.push(code);
    if (this.#codes.length > 8) this.#codes.shift();
    return code;
  }

  /** Uses up `code`; returns the new browser session's cookie value, or undefined when it is not a waiting code. */
  redeem(code: string): string | undefined {
    const i = this.#codes.findIndex((c) => sameSecret(c, code));
    if (i < 0) return undefined;
    this.#codes.splice(i, 1);
    const cookie = randomToken(32);
    this.#cookies.push(cookie);
    if (this.#cookies.length > 32) this.#cookies.shift();
    return cookie;
  }

  /** Whether `cookie` is a signed-in browser's. */
  valid(cookie: string | undefined): boolean {
    return cookie !== undefined && this.#cookies.some((c) => sameSecret(c, cookie));
  }

  /** Codes and browsers kept (for the allocation checks of the tests). */
  get size(): { codes: number; cookies: number } {
    return { codes: this.#codes.length, cookies: this.#cookies.length };
  }
}
