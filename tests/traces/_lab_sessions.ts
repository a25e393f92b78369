/**
 * The application half of the lab session scripts behind `lab_alr_accept_reject.jsonl` and
 * `lab_deactivation_carrier_loss.jsonl` (issue 14's fidelity check): one session on the service network `office`
 * (members `lab-a`, preferred, then `lab-b`), its listeners and the order of its calls. It is the same code live
 * (on a `RecordingDriver` over the real NetworkManager lab, `tests/linux/_fidelity.ts`) and in replay (on a
 * `ReplayDriver` on a virtual clock, {@linkcode replayLabScript}). Nothing here waits on time: every call of the
 * application follows a session or configuration event, so live and replay make the same calls in the same order.
 *
 * - `preferredConfigurationChanged` → `migrate()`;
 * - the n-th `newConfigurationActivated` → `answers[n]` (`accept()` or `reject()`);
 * - a `closed` with an error (the link went) → `open()` again, `reopens` times;
 * - after the last answer, once no member but the session's own link is active → `close()`;
 * - the second `closed` after that (or any `closed` it does not reopen) ends the script.
 *
 * The world half (what the lab does: `nmcli connection down`, `peerDown`, `peerUp`) lives in
 * `tests/linux/_fidelity.ts` and happens only live; in a replay it is just the recorded events.
 *
 * @module
 */
import { type DriverTrace, NetworkConfigurationManager } from "../../core/mod.ts";
import { ReplayDriver, VirtualClock } from "../../drivers/sim/mod.ts";

/** The service network every script opens its session on. */
export const SERVICE_NETWORK = "office";

/** One application script. */
export interface LabScript {
  /** The fixture's file name in `tests/traces/`. */
  readonly fixture: string;
  /** What happens, for the trace's note. */
  readonly note: string;
  /** The answers to `newConfigurationActivated`, in order. */
  readonly answers: readonly ("accept" | "reject")[];
  /** How many times the session opens again after the link went under it. */
  readonly reopens: number;
}

/**
 * `open` with `lab-a` out of range (on `lab-b`); `lab-a` back: migrate, accept; `lab-a`'s carrier lost: the
 * offer of `lab-b`, migrate, accept; `lab-a` back again: migrate, reject (stays on `lab-b`); close.
 */
export const ALR_ACCEPT_REJECT: LabScript = {
  fixture: "lab_alr_accept_reject.jsonl",
  note:
    "tests/traces/_lab_sessions.ts ALR_ACCEPT_REJECT: lab-a out of range, open office (lab-b); lab-a back: " +
    "migrate, accept; lab-a carrier lost: migrate to lab-b, accept; lab-a back: migrate, reject; close",
  answers: ["accept", "accept", "reject"],
  reopens: 0,
};

/**
 * `open` with `lab-b` out of range (on `lab-a`); another program takes `lab-a` down (`nmcli connection down`):
 * `session-aborted`, open again; `lab-b` back, then `lab-a`'s carrier lost: the offer of `lab-b`, migrate,
 * accept; close.
 */
export const DEACTIVATION_CARRIER_LOSS: LabScript = {
  fixture: "lab_deactivation_carrier_loss.jsonl",
  note: "tests/traces/_lab_sessions.ts DEACTIVATION_CARRIER_LOSS: lab-b out of range, open office (lab-a); " +
    "nmcli connection down lab-a: aborted, open again; lab-b back; lab-a carrier lost: migrate to lab-b, " +
    "accept; close",
  answers: ["accept"],
  reopens: 1,
};

/** A running application half. */
export interface LabApplication {
  /** The session events, in order: `stateChanged:connected@lab-b`, `preferredConfigurationChanged:lab-a`, … */
  readonly log: string[];
  /** How many answers it gave so far. */
  readonly answered: () => number;
  /** How many times the session opened so far. */
  readonly opened: () => number;
  /** Resolves when the script is over (its last `closed`). */
  readonly done: Promise<void>;
}

/** Starts the application half of `script` on `manager` (its calls then follow the session's events). */
export function runLabApplication(manager: NetworkConfigurationManager, script: LabScript): LabApplication {
  const session = manager.createSession(manager.configurationFromIdentifier(SERVICE_NETWORK));
  const log: string[] = [];
  const name = (id: unknown) =>
    typeof id === "string" && id !== "" ? manager.configurationFromIdentifier(id).name : "-";
  const where = () => name(session.sessionProperty("ActiveConfiguration"));
  const finished = Promise.withResolvers<void>();
  let answered = 0, opened = 0, reopens = script.reopens;
  let closing = false, over = false;
  const members = () =>
    manager.configurationFromIdentifier(SERVICE_NETWORK).children.map((c) => c.identifier);
  const closeWhenAlone = () => {
    if (closing || answered < script.answers.length || session.state !== "connected") return;
    const mine = session.sessionProperty("ActiveConfiguration");
    const others = members().filter((id) => id !== mine);
    if (others.some((id) => manager.configurationFromIdentifier(id).state === "active")) return;
    closing = true;
    queueMicrotask(() => session.close());
  };
  session.on(
    "stateChanged",
    (s) => log.push(s === "connected" ? `stateChanged:${s}@${where()}` : `stateChanged:${s}`),
  );
  session.on("opened", () => {
    opened++;
    log.push(`opened@${where()}`);
  });
  session.on("error", (e) => log.push(`error:${e}`));
  session.on("losing", () => log.push("losing"));
  session.on("preferredConfigurationChanged", ({ configuration }) => {
    log.push(`preferredConfigurationChanged:${configuration.name}`);
    session.migrate();
  });
  session.on("newConfigurationActivated", () => {
    const answer = script.answers[answered++] ?? "accept";
    log.push("newConfigurationActivated");
    session[answer]();
    closeWhenAlone();
  });
  manager.on("configurationChanged", () => closeWhenAlone());
  session.on("closed", () => {
    log.push("closed");
    if (over) return;
    if (!closing && reopens > 0 && session.error !== undefined) {
      reopens--;
      queueMicrotask(() => void session.open());
      return;
    }
    over = true;
    finished.resolve();
  });
  void session.open();
  return { log, answered: () => answered, opened: () => opened, done: finished.promise };
}

/**
 * Replays `trace` under the application half of `script`: a `ReplayDriver` on a `VirtualClock`, advanced until
 * the trace is done. Resolves to the session events the application saw.
 */
export async function replayLabScript(trace: DriverTrace, script: LabScript): Promise<string[]> {
  const clock = new VirtualClock();
  const driver = new ReplayDriver(trace, { clock });
  const manager = await NetworkConfigurationManager.create(driver, { clock });
  try {
    const app = runLabApplication(manager, script);
    await clock.advance(driver.durationMs + 1);
    let over = false;
    void app.done.then(() => over = true);
    await clock.advance(0);
    if (!over) app.log.push("(the replay ended before the script did)");
    return app.log;
  } finally {
    await manager.close();
  }
}
