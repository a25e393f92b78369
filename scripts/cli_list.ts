/**
 * `netsession list`: the configurations of the running daemon (or the demo
 * world), as a table with a header row, `--terse` (colon-separated, no header:
 * nmcli's `-t`), or `--json`; `--fields a,b,c` picks the columns.
 *
 * @module
 */
import { CONFIGURATION_STATES, type ConfigurationState, type NetworkConfiguration } from "../core/mod.ts";
import { reachabilityCell } from "./cli_reachability.ts";
import { CliError, EXIT_CODES_TEXT, parseOptions, usageError, wantsHelp } from "./cli_common.ts";
import { ACCESS_HELP, ACCESS_OPTIONS, openWorld } from "./cli_daemon.ts";

/** The columns of `list`, in their default order. */
export const LIST_FIELDS: Record<string, (c: NetworkConfiguration) => string> = {
  id: (c) => c.identifier,
  type: (c) => c.type,
  state: (c) => c.state,
  bearer: (c) => c.bearerTypeName || "-",
  reachability: reachabilityCell,
  metered: (c) => (c.metered ? "yes" : "no"),
  name: (c) => c.name,
};

/** `netsession list --help`. */
export const LIST_USAGE = `usage: netsession list [--state S] [--fields F,...] [--terse | --json] [where]

Lists the configurations (S: ${CONFIGURATION_STATES.join(", ")}; cumulative) and how far each reaches
(+portal: behind a captive portal). The first line says which world: "daemon at …" or "demo world (…)".
  --fields F,...  columns, of: ${Object.keys(LIST_FIELDS).join(", ")}
  --terse         colon-separated values, no header, no world line (':' in a value as '\\:')
  --json          {"world", "configurations": [...]}
${ACCESS_HELP}
${EXIT_CODES_TEXT}`;

/** Runs `list` with `args`; returns the exit code. */
export async function list(args: string[]): Promise<number> {
  if (wantsHelp(args)) return (console.log(LIST_USAGE), 0);
  const { values } = parseOptions("list", args, {
    json: { type: "boolean" },
    terse: { type: "boolean", short: "t" },
    state: { type: "string" },
    fields: { type: "string" },
    ...ACCESS_OPTIONS,
  });
  if (values.state !== undefined && !(CONFIGURATION_STATES as readonly string[]).includes(values.state)) {
    throw new CliError(`--state ${values.state}: expected one of ${CONFIGURATION_STATES.join(", ")}`);
  }
  if (values.json && values.terse) throw usageError("list", "--json and --terse exclude each other");
  const fields = values.fields === undefined ? Object.keys(LIST_FIELDS) : values.fields.split(",");
  const unknown = fields.filter((f) => !(f in LIST_FIELDS));
  if (unknown.length || fields.length === 0) {
    throw new CliError(
      `--fields ${values.fields}: unknown ${unknown.join(", ") || "(none)"}; expected some of ${
        Object.keys(LIST_FIELDS).join(",")
      }`,
    );
  }
  const world = await openWorld(values);
  try {
    const configs = world.manager.allConfigurations(values.state as ConfigurationState | undefined);
    if (values.json) {
      console.log(
        JSON.stringify({ world: world.label, configurations: configs.map((c) => c.toJSON()) }, null, 2),
      );
      return 0;
    }
    const rows = configs.map((c) => fields.map((f) => LIST_FIELDS[f](c)));
    if (values.terse) {
      for (const r of rows) {
        console.log(r.map((v) => v.replaceAll("\\", "\\\\").replaceAll(":", "\\:")).join(":"));
      }
      return 0;
    }
    console.log(world.label);
    const table = [fields.map((f) => f.toUpperCase()), ...rows];
    const widths = fields.map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) {
      console.log(r.map((v, i) => i === r.length - 1 ? v : v.padEnd(widths[i])).join("  "));
    }
    return 0;
  } finally {
    await world.manager.close();
  }
}
