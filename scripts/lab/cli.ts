/**
 * The lab's command line: `deno run -A scripts/lab/cli.ts up [N] | down [id|--all|--stale] | status`.
 * `up` starts a persistent lab (it outlives this process) and prints it as JSON with the `DBUS_SYSTEM_BUS_ADDRESS`
 * to export; `down` stops labs by id (default all, `--stale`: those whose owner died); `status` lists them.
 *
 * @module
 */
import { defaultStateRoot, readRecords } from "./files.ts";
import { startLab } from "./lab.ts";
import { processAlive, teardownRecord } from "./processes.ts";

const USAGE = "usage: deno run -A scripts/lab/cli.ts up [N] | down [id|--all|--stale] | status";

async function up(rest: string[]): Promise<number> {
  const n = Number(rest.find((a) => /^\d+$/.test(a)) ?? 2);
  const t0 = performance.now();
  const lab = await startLab({ accessPoints: n, persistent: true });
  console.log(JSON.stringify(
    {
      id: lab.id,
      dir: lab.dir,
      busAddress: lab.busAddress,
      namespace: lab.namespace,
      networkManagerPid: lab.networkManagerPid,
      accessPoints: lab.accessPoints,
      startedInMs: Math.round(performance.now() - t0),
    },
    null,
    2,
  ));
  console.error(
    `\nexport DBUS_SYSTEM_BUS_ADDRESS='${lab.busAddress}'  # then: nmcli con up lab-a`,
  );
  console.error(`stop with: deno run -A scripts/lab/cli.ts down ${lab.id}`);
  return 0;
}

async function down(rest: string[], root: string): Promise<number> {
  const records = await readRecords(root);
  const which = rest[0] ?? "--all";
  const chosen = which === "--all"
    ? records
    : which === "--stale"
    ? records.filter((r) => !r.persistent && !processAlive(r.ownerPid))
    : records.filter((r) => r.id === which);
  if (which !== "--all" && which !== "--stale" && chosen.length === 0) {
    console.error(`no lab ${which} under ${root}`);
    return 1;
  }
  for (const r of chosen) {
    await teardownRecord(r);
    console.log(`stopped lab ${r.id}`);
  }
  return 0;
}

async function status(root: string): Promise<number> {
  const records = await readRecords(root);
  if (records.length === 0) console.log(`no labs under ${root}`);
  for (const r of records) {
    const alive = Object.entries(r.pids).map(([k, p]) => `${k}:${p}${processAlive(p) ? "" : "(dead)"}`);
    console.log(
      `${r.id} ${
        r.persistent ? "persistent" : `owner ${r.ownerPid}${processAlive(r.ownerPid) ? "" : "(dead)"}`
      }` +
        ` bus=${r.busAddress} namespaces=${r.namespaces.join(",")} ${alive.join(" ")}`,
    );
  }
  return 0;
}

/** Runs the CLI on `args`; resolves to the exit code. */
export function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const root = defaultStateRoot();
  switch (cmd) {
    case "up":
      return up(rest);
    case "down":
      return down(rest, root);
    case "status":
      return status(root);
    default:
      console.error(USAGE);
      return Promise.resolve(2);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    Deno.exit(1);
  }
}
