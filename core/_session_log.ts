/**
 * Test helper: one recorder of a session's events as short strings, shared by
 * the core, conformance, simulator and Linux tests (`state:connected`,
 * `opened`, `closed`, `error:session-aborted`, `activated`,
 * `policies:no-background-traffic`).
 *
 * @module
 */

import type { NetworkSession } from "./network_session.ts";

/** The session events {@linkcode sessionLog} can record. */
export type LoggedEvent =
  | "stateChanged"
  | "opened"
  | "closed"
  | "error"
  | "newConfigurationActivated"
  | "usagePoliciesChanged";

/** The events recorded when none are named. */
export const DEFAULT_LOGGED: readonly LoggedEvent[] = ["stateChanged", "opened", "closed", "error"];

/** Records `events` of `session` in the order they happen; returns the live log. */
export function sessionLog(
  session: NetworkSession,
  events: readonly LoggedEvent[] = DEFAULT_LOGGED,
): string[] {
  const log: string[] = [];
  for (const event of events) {
    switch (event) {
      case "stateChanged":
        session.on("stateChanged", (s) => log.push(`state:${s}`));
        break;
      case "opened":
      case "closed":
        session.on(event, () => log.push(event));
        break;
      case "error":
        session.on("error", (e) => log.push(`error:${e}`));
        break;
      case "newConfigurationActivated":
        session.on("newConfigurationActivated", () => log.push("activated"));
        break;
      case "usagePoliciesChanged":
        session.on("usagePoliciesChanged", (p) => log.push(`policies:${p.join(",")}`));
        break;
    }
  }
  return log;
}
