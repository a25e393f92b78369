/**
 * Reachability in the `netsession` command line: the REACHABILITY column of
 * `list` and the reachability lines of `monitor` (changes of every
 * configuration, and of the monitor's own session).
 *
 * @module
 */
import type {
  NetworkConfiguration,
  NetworkConfigurationManager,
  NetworkSession,
  Subscription,
} from "../core/mod.ts";

/** How `monitor` prints one line: a kind and its fields (text or `--json`). */
export type MonitorPrint = (kind: string, fields: Record<string, unknown>) => void;

/** The REACHABILITY cell of `list`: the reachability, `+portal` behind a captive portal. */
export function reachabilityCell(c: NetworkConfiguration): string {
  return c.reachability + (c.behindCaptivePortal ? "+portal" : "");
}

/**
 * Prints `reachability` lines (`id`, `reachability`, `captivePortal`) when a
 * configuration's reachability or captive portal changes, and with `session`
 * `session-reachability` lines on its `reachabilityChanged`. Returns the
 * subscriptions' end.
 */
export function watchReachability(
  manager: NetworkConfigurationManager,
  print: MonitorPrint,
  session?: NetworkSession,
): () => void {
  const last = new Map<string, string>();
  const key = (c: NetworkConfiguration) => `${c.reachability}/${c.behindCaptivePortal}`;
  for (const c of manager.allConfigurations()) last.set(c.identifier, key(c));
  // A service network's reach follows its members' without an event of its own: look at every configuration.
  const seen = () => {
    for (const c of manager.allConfigurations()) {
      const now = key(c);
      if (last.get(c.identifier) === now) continue;
      last.set(c.identifier, now);
      print("reachability", {
        id: c.identifier,
        reachability: c.reachability,
        captivePortal: c.behindCaptivePortal,
      });
    }
  };
  const subs: Subscription[] = [
    manager.on("configurationChanged", seen),
    manager.on("configurationAdded", seen),
    manager.on("configurationRemoved", (c) => last.delete(c.identifier)),
  ];
  if (session) {
    subs.push(session.on("reachabilityChanged", (e) =>
      print("session-reachability", {
        reachability: e.reachability,
        captivePortal: e.behindCaptivePortal,
      })));
  }
  return () => {
    for (const s of subs) s.unsubscribe();
  };
}
