// The daemon's one rule about capabilities: its session counter is system-wide, so every capability list it
// serves, and every one RemoteDriver reports, has `system-session-support`.
import type { Capability } from "@netsession/core";

/** `capabilities` with `system-session-support` added (once). */
export function withSystemSessions(capabilities: readonly Capability[]): Capability[] {
  const caps = new Set<Capability>(capabilities);
  caps.add("system-session-support");
  return [...caps];
}
