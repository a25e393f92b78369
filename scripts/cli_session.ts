/**
 * `netsession session open|close|stop|accept|reject`: daemon sessions for
 * scripts. `open` prints the session's id; the others take it. A session
 * belongs to a client, and only its key may act on it: `open` keeps the
 * client and key in a state file of mode 0600 (`cli-sessions.json` next to the
 * token file, or `$NETSESSION_CLI_STATE`), and the other commands read them
 * from there (or `--client ID --key KEY`). The client's lease is kept for
 * `--ttl MS` (default an hour) by a heartbeat; renew it by opening again.
 *
 * @module
 */
import { CliError, EXIT, EXIT_CODES_TEXT, parseOptions, usageError, wantsHelp } from "./cli_common.ts";
import { ACCESS_HELP, ACCESS_OPTIONS, daemonFetch, type DaemonTarget, findDaemon } from "./cli_daemon.ts";

/** `netsession session --help`. */
export const SESSION_USAGE =
  `usage: netsession session open CONFIGURATION [--client ID] [--roaming forced|application]
                                            [--ttl MS] [--json] [where]
       netsession session close|stop|accept|reject SESSION [--client ID --key KEY] [where]

Scripts daemon sessions. open creates and opens a session on CONFIGURATION and prints its id (--json: the
session); its client (default cli-PID) keeps it for --ttl MS (default 3600000). close closes it, stop takes
the link down for every holder, accept/reject answer a roaming offer (sessions opened with --roaming
application). The client's key is kept in cli-sessions.json next to the token file ($NETSESSION_CLI_STATE).
${ACCESS_HELP.replace(", else the demo world", "").replace(", --demo (the demo world)", "")}
${EXIT_CODES_TEXT}`;

const ACTIONS = ["close", "stop", "accept", "reject"];

interface Saved {
  client: string;
  key: string;
}

async function statePath(): Promise<string> {
  const forced = Deno.env.get("NETSESSION_CLI_STATE");
  if (forced) return forced;
  const { defaultTokenFile } = await import("../server/mod.ts");
  const token = defaultTokenFile();
  return `${token.slice(0, token.lastIndexOf("/") + 1)}cli-sessions.json`;
}

async function readState(): Promise<Record<string, Saved>> {
  try {
    return JSON.parse(await Deno.readTextFile(await statePath()));
  } catch {
    return {};
  }
}

async function writeState(state: Record<string, Saved>): Promise<void> {
  const path = await statePath();
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/") + 1) || ".", { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(path, JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** The daemon's error answer as a message, exit 1. */
async function refused(res: Response, what: string): Promise<CliError> {
  const body = await res.json().catch(() => ({})) as { error?: { code?: string; message?: string } };
  return new CliError(
    `${what}: the daemon refused (${res.status} ${body.error?.code ?? ""}): ${
      body.error?.message ?? res.statusText
    }`,
    EXIT.failed,
  );
}

/** Runs `session` with `args`; returns the exit code. */
export async function session(args: string[]): Promise<number> {
  if (wantsHelp(args) || args.length === 0) {
    console.log(SESSION_USAGE);
    return args.length === 0 ? EXIT.usage : 0;
  }
  const [action, ...rest] = args;
  if (action !== "open" && !ACTIONS.includes(action)) {
    throw usageError("session", `unknown action '${action}'; expected open, ${ACTIONS.join(", ")}`);
  }
  const { values, positionals } = parseOptions(`session`, rest, {
    client: { type: "string" },
    key: { type: "string" },
    roaming: { type: "string" },
    ttl: { type: "string" },
    json: { type: "boolean" },
    ...ACCESS_OPTIONS,
  }, true);
  if (positionals.length !== 1) {
    throw usageError(
      "session",
      `session ${action} needs one ${action === "open" ? "CONFIGURATION" : "SESSION"}`,
    );
  }
  if (values.demo) throw usageError("session", "sessions are the daemon's: --demo has none");
  const daemon = await findDaemon(values);
  if (!daemon) throw new CliError("no daemon running; start one with 'netsession serve'", EXIT.unreachable);
  if (action === "open") return await open(daemon, positionals[0], values);
  const state = await readState();
  const id = positionals[0];
  const saved = values.client !== undefined && values.key !== undefined
    ? { client: values.client, key: values.key }
    : state[id];
  if (!saved) {
    throw new CliError(
      `${id}: no client key for '${id}' (not opened by 'netsession session open' here); ` +
        "pass --client ID --key KEY",
    );
  }
  const path = action === "close"
    ? `/v1/sessions/${encodeURIComponent(id)}`
    : `/v1/sessions/${encodeURIComponent(id)}/${action}`;
  const res = await daemonFetch(daemon, action === "close" ? "DELETE" : "POST", path, {
    "X-Netsession-Client": saved.client,
    "X-Netsession-Client-Key": saved.key,
  });
  if (!res.ok) throw await refused(res, id);
  await res.body?.cancel();
  if (action === "close" && state[id]) {
    delete state[id];
    await writeState(state);
  }
  console.log(id);
  return 0;
}

async function open(
  daemon: DaemonTarget,
  configuration: string,
  values: { client?: string; roaming?: string; ttl?: string; json?: boolean },
): Promise<number> {
  if (values.roaming !== undefined && !["forced", "application"].includes(values.roaming)) {
    throw usageError("session", `--roaming ${values.roaming}: expected forced or application`);
  }
  const ttl = values.ttl === undefined ? 3_600_000 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1000 || ttl > 3_600_000) {
    throw usageError("session", `--ttl ${values.ttl}: expected milliseconds 1000..3600000`);
  }
  const client = values.client ?? `cli-${Deno.pid}`;
  const res = await daemonFetch(daemon, "POST", "/v1/sessions", {}, undefined, {
    configuration,
    client,
    ...(values.roaming ? { roaming: values.roaming } : {}),
  });
  if (!res.ok) throw await refused(res, configuration);
  const key = res.headers.get("X-Netsession-Client-Key") ?? "";
  const answer = await res.json() as { session: { id: string } };
  const beat = await daemonFetch(
    daemon,
    "POST",
    `/v1/clients/${encodeURIComponent(client)}/heartbeat`,
    {
      "X-Netsession-Client": client,
      "X-Netsession-Client-Key": key,
    },
    undefined,
    { ttlMs: ttl },
  );
  if (!beat.ok) throw await refused(beat, `${configuration}: keeping the lease`);
  await beat.body?.cancel();
  const state = await readState();
  state[answer.session.id] = { client, key };
  await writeState(state);
  console.log(values.json ? JSON.stringify({ ...answer.session, daemon: daemon.where }) : answer.session.id);
  return 0;
}
