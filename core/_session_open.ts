/**
 * Where `open()` goes: what a `user-choice` configuration resolves to (the
 * application's resolver, else the default configuration in range) and which
 * access point a configuration opens on (a service network's preferred
 * member), or the reason why there is none.
 *
 * @module
 */

import { roamCandidates } from "./_session_link.ts";
import { compareConfigurations } from "./_ranking.ts";
import type { Clock } from "./clock.ts";
import { type NetworkConfiguration, stateRank } from "./configuration.ts";
import type { NetworkSession } from "./network_session.ts";
import { preferredMember } from "./roaming_policy.ts";
import type { SessionHost } from "./session_host.ts";
import type { SessionInput } from "./session_model.ts";

type Input<T extends SessionInput["type"]> = Extract<SessionInput, { type: T }>;

/** What a user-choice session opens on; rejects with the reason when there is nothing. */
export async function resolveUserChoice(
  host: SessionHost,
  session: NetworkSession,
  background: boolean,
): Promise<NetworkConfiguration> {
  const resolver = host.userChoice;
  if (!background && resolver) {
    const candidates = host.allConfigurations("discovered").filter((c) => c.type !== "user-choice");
    const chosen = await resolver({ session, candidates });
    if (!chosen) throw new Error("the choice was cancelled");
    if (!chosen.isValid || chosen.type === "user-choice") {
      throw new Error(
        `the resolver returned '${chosen.identifier}', which is not an access point or service network`,
      );
    }
    return chosen;
  }
  // The default may be a user choice itself (the platform's "ask"): take the best configuration in range then.
  let d = host.defaultConfiguration();
  if (d.type === "user-choice") {
    d = host.allConfigurations("discovered").filter((c) =>
      c.type !== "user-choice"
    ).sort(compareConfigurations)[0] ??
      d;
  }
  if (!d.isValid || d.type === "user-choice" || stateRank(d.state) < 2) {
    throw new Error(
      background
        ? "ConnectInBackground is set and no configuration is in range; bring an access point into range and retry"
        : "no configuration is in range",
    );
  }
  return d;
}

/** The machine's `open` input for opening `requested` on `target` (or failing with `failure`). */
export function openInput(
  requested: string,
  target: NetworkConfiguration | undefined,
  failure: string | undefined,
): Input<"open"> {
  if (failure !== undefined || !target) {
    return { type: "open", targetActive: false, failure: failure ?? "nothing to connect to" };
  }
  const check = openTarget(requested, target);
  if (typeof check === "string") return { type: "open", targetActive: false, failure: check };
  return { type: "open", target: check.identifier, targetActive: check.state === "active" };
}

/** The access point opening `c` should use, or a reason why there is none (`requested`: the session's own identifier). */
export function openTarget(requested: string, c: NetworkConfiguration): NetworkConfiguration | string {
  if (!c.isValid) {
    return `'${
      requested || "(invalid)"
    }' is not a valid configuration; pick one from manager.allConfigurations()`;
  }
  if (c.type === "service-network") {
    const member = preferredMember(roamCandidates(c))?.view;
    if (!member) return `no member of service network '${c.name}' is in range; wait for one to be discovered`;
    return member;
  }
  if (stateRank(c.state) < 2) {
    return `'${c.name}' is defined but not discovered (out of range); wait until it is discovered`;
  }
  return c;
}

/**
 * A promise that settles with what `register`'s callback is given, or false
 * after `ms` on `clock` (-1: no time-out), whichever comes first.
 */
export function settleWithin(
  clock: Clock,
  ms: number,
  register: (settle: (value: boolean) => void) => void,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let timer: unknown;
    let done = false;
    const finish = (value: boolean) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      resolve(value);
    };
    register(finish);
    if (ms >= 0) timer = clock.setTimeout(() => finish(false), ms);
  });
}
