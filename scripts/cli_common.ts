/**
 * What every `netsession` command shares: the exit codes, the usage errors,
 * `--help`, and the option parser (a negative number after an option is its
 * value, not an unknown option).
 *
 * Exit codes: 0 done; 1 a failed expectation or operation (the daemon
 * refused, a scenario's expectation did not hold); 2 a usage error or bad
 * input (an unknown option, a malformed file); 3 the daemon asked for cannot
 * be reached.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The exit codes of every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** The exit codes, as `--help` and the usage text explain them. */
export const EXIT_CODES_TEXT =
  `exit codes: 0 done; 1 a failed expectation or operation (the daemon refused it);
  2 a usage error or bad input (unknown option, malformed file); 3 the daemon cannot be reached`;

/** A failure with its exit code; `main` prints `netsession: message` and exits with `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.usage) {
    super(message);
    this.name = "CliError";
  }
}

/** A bad command line: exit 2. */
export function usageError(command: string, message: string): CliError {
  return new CliError(`${message} (see 'netsession ${command} --help')`, EXIT.usage);
}

type Spec = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/** Whether `args` ask for help (`--help`, `-h`). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * Parses `args` for `command`: a value that starts with `-` is taken as the
 * value of the string option before it (`--duration -5`), so that the check of
 * the value can say what is wrong with it. Throws a {@linkcode CliError}
 * (exit 2) that names the command and its `--help`.
 */
export function parseOptions<S extends Spec>(
  command: string,
  args: string[],
  options: S,
  positionals = false,
) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    const next = args[i + 1];
    if (
      name !== undefined && options[name]?.type === "string" && next !== undefined && next.startsWith("-") &&
      next !== "--" && !(next.slice(2) in options && next.startsWith("--"))
    ) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals: positionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "")
      .replace(/^Unknown option '([^']+)'.*$/s, "unknown option $1");
    throw usageError(command, message);
  }
}

/** `--duration MS`: a positive number of milliseconds (or Infinity when not given). */
export function parseDuration(value: string | undefined): number {
  if (value === undefined) return Infinity;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new CliError(`--duration ${value}: expected a positive number of milliseconds`);
  }
  return n;
}
