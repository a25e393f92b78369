// The one source of random identifiers of the server package: daemon instance ids, anonymous client ids,
// RemoteDriver client ids, scenario run ids and token bytes.

/** `bytes` random bytes as lower-case hex (2 characters a byte). */
export function randomId(bytes = 6): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** `bytes` random bytes as base64url without padding (the daemon's token). */
export function randomToken(bytes = 32): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
