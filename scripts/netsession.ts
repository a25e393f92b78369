/**
 * The `netsession` command line:
 *
 *   netsession serve [--driver sim|linux] [--port N] [--scenario FILE] [...]   (the daemon; server/README.md)
 *   netsession list [--state S] [--fields F,...] [--terse | --json] [where]   (scripts/cli_list.ts)
 *   netsession monitor [--json] [--duration MS] [--fast] [--session ID] [...] [where]   (scripts/cli_monitor.ts)
 *   netsession session open|close|stop|accept|reject ... [where]   (scripts/cli_session.ts)
 *   netsession sim run|replay|from-trace FILE [...]   (scripts/sim_run.ts, scripts/cli_trace.ts)
 *   netsession record [...]   (scripts/cli_trace.ts)
 *   netsession completion bash   (scripts/completion.bash)
 *
 * Every command takes `--help` (exit 0). `list`, `monitor` and `session` talk
 * to the running daemon by default: its Unix socket, then
 * `http://127.0.0.1:7421` (`$NETSESSION_URL`) with the token file; `list` and
 * `monitor` fall back to the demo world, and say which world they show
 * (scripts/cli_daemon.ts). Exit codes (scripts/cli_common.ts): 0 done, 1 a
 * failed expectation or operation, 2 a usage error or bad input, 3 the daemon
 * cannot be reached.
 *
 * @module
 */
import { CliError, EXIT, EXIT_CODES_TEXT, usageError, wantsHelp } from "./cli_common.ts";

const USAGE = `usage: netsession <command> [options]   (netsession <command> --help for its options)

commands:
  serve [options]          start the daemon (sim world by default; --scenario FILE plays a scenario)
  list                     list configurations: a table, --terse, --json; --fields, --state
  monitor                  print configurations, sessions, roaming, policies, reachability and traffic
                           as they change
  session open|close|stop|accept|reject
                           daemon sessions for scripts (open prints the session id)
  sim run FILE             play a scenario file and check its expectations
  sim replay FILE          replay a trace on a virtual clock and print its configuration events
  sim from-trace FILE      write a scenario to edit from a trace (its notes on stderr)
  record [--driver sim|linux] [--url URL] [--duration MS] [--out FILE]
                           record a driver as a trace (JSON Lines)
  completion bash          print the bash completion script (source it, or copy it to bash_completion.d)
  help                     this text

list, monitor and session talk to the running daemon: its Unix socket, then http://127.0.0.1:7421 with the
token file ($NETSESSION_URL); without one, list and monitor show the demo world (their first line says
which). --daemon, --socket PATH, --url URL [--token-file F] name a daemon; --demo asks for the demo world.
${EXIT_CODES_TEXT}`;

const SIM_USAGE = `usage: netsession sim run FILE [--json] [--stop-on-failure] [--seed N]
       netsession sim replay FILE [--json] [--session ID]
       netsession sim from-trace FILE [--out FILE]

run plays a scenario on a fresh simulated world, prints its timeline and a summary (exit 1 when an
expectation failed; 2 when the file is malformed: every error with its path and line:column).
replay plays a recorded trace; from-trace writes a scenario to edit from one.
${EXIT_CODES_TEXT}`;

const RECORD_USAGE =
  `usage: netsession record [--driver sim|linux] [--url URL [--token-file F]] [--duration MS]
                         [--out FILE] [--session ID]

Records a driver as a trace (JSON Lines): the demo world on its virtual clock, NetworkManager (linux), or a
daemon (--url); --session ID also opens a session.
${EXIT_CODES_TEXT}`;

async function sim(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(SIM_USAGE);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (wantsHelp(rest)) return (console.log(SIM_USAGE), 0);
  if (sub === "replay") return await (await import("./cli_trace.ts")).simReplay(rest);
  if (sub === "from-trace") return await (await import("./cli_trace.ts")).simFromTrace(rest);
  if (sub !== "run") {
    throw usageError("sim", `unknown subcommand '${sub}'; expected run, replay or from-trace`);
  }
  return await (await import("./cli_sim.ts")).simRunChecked(rest);
}

async function serve(args: string[]): Promise<number> {
  const { serve, parseServeArgs, SERVE_USAGE } = await import("../server/mod.ts");
  if (wantsHelp(args)) {
    console.log(
      SERVE_USAGE.replace("usage: serve.ts", "usage: netsession serve") + "\n(see server/README.md)\n" +
        EXIT_CODES_TEXT,
    );
    return 0;
  }
  let options;
  try {
    options = parseServeArgs(args);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  let server;
  try {
    server = await serve({ ...options, handleSignals: true });
  } catch (error) {
    if ((error as Error).cause === "usage") throw new CliError((error as Error).message);
    throw error;
  }
  await server.finished;
  return 0;
}

async function completion(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log("usage: netsession completion bash   (prints scripts/completion.bash)");
    return 0;
  }
  if (args.length !== 1 || args[0] !== "bash") {
    throw usageError("completion", `expected 'completion bash', got '${args.join(" ")}'`);
  }
  const text = await Deno.readTextFile(new URL("./completion.bash", import.meta.url));
  await Deno.stdout.write(new TextEncoder().encode(text));
  return 0;
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "list":
        return await (await import("./cli_list.ts")).list(rest);
      case "monitor":
        return await (await import("./cli_monitor.ts")).monitor(rest);
      case "session":
        return await (await import("./cli_session.ts")).session(rest);
      case "sim":
        return await sim(rest);
      case "serve":
        return await serve(rest);
      case "record":
        if (wantsHelp(rest)) return (console.log(RECORD_USAGE), 0);
        return await (await import("./cli_trace.ts")).record(rest);
      case "completion":
        return await completion(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      default:
        console.error(`netsession: unknown command '${command}'\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (error) {
    const where = command === "sim" || command === "session" ? `${command} ${rest[0] ?? ""}`.trim() : command;
    console.error(`netsession ${where}: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof CliError ? error.code : EXIT.failed;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
