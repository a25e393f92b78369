// The files a lab generates in its directory: the private bus's configuration, NetworkManager's configuration
// and keyfiles, each access point's connectivity-check answer, and lab.json (the record other processes read).
import type { LabAccessPoint, LabConnectivity, LabRecord } from "./types.ts";

/** Part of the fallback state root's path (a lab directory under the temp dir). */
const LAB_DIR_MARK = "netsession-lab";
/** The address every access point answers NetworkManager's connectivity checks on. */
export const CONNECTIVITY_ADDRESS = "10.77.0.1";
const HERE = new URL(".", import.meta.url);

/** Where labs keep their state by default: `<repo>/.lab/`, or the temp dir if that path is too long. */
export function defaultStateRoot(): string {
  if (HERE.protocol === "file:") {
    const root = decodeURIComponent(new URL("../../.lab/", HERE).pathname);
    // A unix socket path is limited to 108 bytes: keep room for "<id>/bus".
    if (root.length < 80) return root;
  }
  return `${Deno.env.get("TMPDIR") ?? "/tmp"}/${LAB_DIR_MARK}/`;
}

/** The private bus's configuration, made from the system bus's `template` (see LAB.md). */
export function busConfig(template: string, dir: string): string {
  return template
    .replace(/<listen>[^<]*<\/listen>/, `<listen>unix:path=${dir}/bus</listen>`)
    .replace(/<user>[^<]*<\/user>/, "")
    .replace(/<pidfile>[^<]*<\/pidfile>/, "")
    .replace(/<fork\s*\/>/, "")
    .replace(/<syslog\s*\/>/, "")
    // No service activation: nothing (nm-dispatcher, polkit, ...) is ever started on the host's behalf.
    .replace(/<standard_system_servicedirs\s*\/>/, "")
    .replace(/<servicehelper>[^<]*<\/servicehelper>/, "")
    .replace(
      "<includedir>system.d</includedir>",
      "<includedir>/usr/share/dbus-1/system.d</includedir>",
    )
    // Tests may stand in for ModemManager on this private bus (the host's ModemManager is never involved).
    .replace(
      "</busconfig>",
      '<policy user="root"><allow own="org.freedesktop.ModemManager1"/>' +
        '<allow send_destination="org.freedesktop.ModemManager1"/></policy>\n</busconfig>',
    );
}

function assertBusConfig(conf: string): string {
  if (
    !conf.includes("<listen>unix:path=") ||
    conf.includes("<includedir>system.d</includedir>")
  ) {
    throw new Error(
      "lab: unexpected /usr/share/dbus-1/system.conf layout (cannot make a private bus config)",
    );
  }
  return conf;
}

/** Writes `<dir>/bus.conf` from the host's system bus configuration; resolves to its path. */
export async function writeBusConfig(dir: string): Promise<string> {
  const template = await Deno.readTextFile("/usr/share/dbus-1/system.conf");
  const path = `${dir}/bus.conf`;
  await Deno.writeTextFile(path, assertBusConfig(busConfig(template, dir)));
  return path;
}

/** NetworkManager's configuration (`interval`: seconds between connectivity checks, 0 = off). */
export function nmConfig(dir: string, interval: number): string {
  const lines = [
    "[main]",
    "plugins=keyfile",
    "auth-polkit=false",
    "dns=none",
    "rc-manager=unmanaged",
    "hostname-mode=none",
    "no-auto-default=*",
    "",
    "[keyfile]",
    `path=${dir}/connections`,
    "unmanaged-devices=*,except:interface-name:ns-*",
    "",
    "[device]",
    "carrier-wait-timeout=500",
    "",
  ];
  if (interval > 0) {
    lines.push(
      "[connectivity]",
      "enabled=true",
      `uri=http://${CONNECTIVITY_ADDRESS}/nm`,
      "response=NetworkManager is online",
      `interval=${interval}`,
      "",
    );
  }
  return lines.join("\n");
}

/** The keyfile of an access point's saved connection. */
export function keyfile(ap: LabAccessPoint, priority: number): string {
  return [
    "[connection]",
    `id=${ap.name}`,
    `uuid=${ap.uuid}`,
    "type=ethernet",
    `interface-name=${ap.interface}`,
    `autoconnect=${ap.autoconnect}`,
    `autoconnect-priority=${priority}`,
    `metered=${ap.metered ? 1 : 2}`,
    "",
    "[ethernet]",
    "",
    "[ipv4]",
    `address1=${ap.address}/${ap.prefix},${ap.peerAddress}`,
    "method=manual",
    "",
    "[ipv6]",
    "method=disabled",
    "",
  ].join("\n");
}

/**
 * Writes the saved connections (keyfiles, read by NetworkManager at start; `priorities`: autoconnect priority of
 * each access point) and `nm.conf`.
 */
export async function writeNetworkManagerFiles(
  dir: string,
  accessPoints: readonly LabAccessPoint[],
  priorities: readonly number[],
  connectivityInterval: number,
): Promise<void> {
  for (const [i, ap] of accessPoints.entries()) {
    const path = `${dir}/connections/${ap.name}.nmconnection`;
    await Deno.writeTextFile(path, keyfile(ap, priorities[i]), { mode: 0o600 });
    await Deno.chmod(path, 0o600);
  }
  await Deno.writeTextFile(`${dir}/nm.conf`, nmConfig(dir, connectivityInterval));
}

/** The file an access point's HTTP server reads its connectivity answer from. */
export function modeFile(dir: string, ap: LabAccessPoint): string {
  return `${dir}/${ap.peerInterface}.mode`;
}

/** Sets what the access point's HTTP server answers to connectivity checks. */
export function writeMode(dir: string, ap: LabAccessPoint, mode: LabConnectivity): Promise<void> {
  return Deno.writeTextFile(modeFile(dir, ap), mode + "\n");
}

/** The path of the access points' HTTP server script (copied into `dir` when this module is not local). */
export async function accessPointServerScript(dir: string): Promise<string> {
  if (HERE.protocol === "file:") return decodeURIComponent(new URL("ap_http.py", HERE).pathname);
  const path = `${dir}/ap_http.py`;
  await Deno.writeTextFile(path, await (await fetch(new URL("ap_http.py", HERE))).text());
  return path;
}

/** Writes the lab's record to `<dir>/lab.json`. */
export function saveRecord(record: LabRecord): Promise<void> {
  return Deno.writeTextFile(`${record.dir}/lab.json`, JSON.stringify(record, null, 2));
}

/** The records of every lab under `stateRoot` (none when it does not exist). */
export async function readRecords(stateRoot: string): Promise<LabRecord[]> {
  const out: LabRecord[] = [];
  try {
    for await (const e of Deno.readDir(stateRoot)) {
      if (!e.isDirectory) continue;
      try {
        out.push(
          JSON.parse(
            await Deno.readTextFile(`${stateRoot}/${e.name}/lab.json`),
          ),
        );
      } catch { /* not a lab */ }
    }
  } catch { /* no root */ }
  return out;
}
