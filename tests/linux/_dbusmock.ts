// A NetworkManager mock for the Linux driver's Wi-Fi tests: python3-dbusmock's `networkmanager` template on a
// private dbus-daemon (never the machine's system bus), driven from the test through dbusmock's own API
// (AddWiFiDevice, AddAccessPoint, AddWiFiConnection, RemoveAccessPoint, SetProperty, AddMethod, AddProperty).
//
// The template models NetworkManager's objects, not its behaviour. Where the driver relies on what the real
// NetworkManager does, the mock is extended here through dbusmock's API (AddMethod / AddProperty), never by faking
// the driver:
// - ActivateConnection with device "/" picks the device that lists the connection in `AvailableConnections`
//   (fails with UnknownDevice when none does), picks the strongest access point of its SSID, takes down the
//   device's current connection first (one connection per radio), sets the device's `ActiveAccessPoint`, and
//   gives each active connection a path of its own (the template reuses freed paths; NetworkManager never does).
// - DeactivateConnection goes DEACTIVATING, DEACTIVATED (StateChanged signals), then the object goes, on the
//   connection's own device only (the template disconnects every device).
// - `AvailableConnections` of a Wi-Fi device follows the scan list (a saved network is available while an access
//   point of its SSID is visible), recomputed whenever the test adds or removes an access point.
// Skipped with the reason printed only when python3-dbusmock or dbus-daemon is missing; under CI=true it fails.
import dbus from "dbus-next";

const PYTHON = "/usr/bin/python3";
const MOCK_IFACE = "org.freedesktop.DBus.Mock";
const MAIN = "/org/freedesktop";
const NM = "org.freedesktop.NetworkManager";
const NM_PATH = "/org/freedesktop/NetworkManager";
const SETTINGS_PATH = "/org/freedesktop/NetworkManager/Settings";
const WIRELESS = "org.freedesktop.NetworkManager.Device.Wireless";
const ACCESS_POINT = "org.freedesktop.NetworkManager.AccessPoint";
const TEST_IFACE = "org.netsession.Test";
const decoder = new TextDecoder();
const { Message, Variant } = dbus;

/** `NMDeviceState` values the tests use. */
export const DEVICE_DISCONNECTED = 30;

/** What the NetworkManager emulation added to the template does (Python, run once in the mock). */
const EMULATION = `
import dbus
NMI = 'org.freedesktop.NetworkManager'
NM = '/org/freedesktop/NetworkManager'
ACI = NMI + '.Connection.Active'
DI = NMI + '.Device'
WI = NMI + '.Device.Wireless'
API = NMI + '.AccessPoint'
SI = NMI + '.Settings'
CI = NMI + '.Settings.Connection'
counter = [100]

def fail(name, text):
    raise dbus.exceptions.DBusException(text, name=NMI + '.' + name)

def ssid_of(conn):
    s = objects[conn].settings.get('802-11-wireless', {}).get('ssid')
    return None if s is None else bytes(s)

def aps_of(dev):
    return list(objects[dev].access_points) if hasattr(objects[dev], 'access_points') else []

def best_ap(dev, ssid):
    best = None
    for ap in aps_of(dev):
        p = objects[ap].props[API]
        if bytes(p['Ssid']) == ssid and (best is None or int(p['Strength']) > int(objects[best].props[API]['Strength'])):
            best = ap
    return best

def actives():
    return [str(a) for a in objects[NM].props[NMI]['ActiveConnections']]

def devices_of(ac):
    return [str(d) for d in objects[ac].props[ACI]['Devices']]

def drop(nm, ac, reason):
    o = objects[ac]
    for state in (3, 4):
        o.EmitSignal(ACI, 'StateChanged', 'uu', [dbus.UInt32(state), dbus.UInt32(reason)])
        o.Set(ACI, 'State', dbus.UInt32(state))
    for dev in devices_of(ac):
        if WI in objects[dev].props:
            objects[dev].Set(WI, 'ActiveAccessPoint', dbus.ObjectPath('/'))
        nm.RemoveActiveConnection(dev, ac)

def activate(nm, conn, dev, ap):
    conn, dev, ap = str(conn), str(dev), str(ap)
    if conn not in objects or CI not in objects[conn].props:
        fail('UnknownConnection', 'Connection ' + conn + ' does not exist')
    if dev == '/':
        devs = [str(p) for p in nm.GetDevices()
                if conn in [str(c) for c in objects[str(p)].props[DI]['AvailableConnections']]]
        if not devs:
            fail('UnknownDevice', 'No suitable device found for this connection')
        dev = devs[0]
    ssid = ssid_of(conn)
    if ap == '/' and ssid is not None:
        ap = best_ap(dev, ssid) or '/'
    for old in actives():
        if dev in devices_of(old):
            drop(nm, old, 3)
    counter[0] += 1
    path = nm.AddActiveConnection([dev], conn, ap, str(counter[0]), dbus.UInt32(2))
    if WI in objects[dev].props and ap != '/':
        objects[dev].Set(WI, 'ActiveAccessPoint', dbus.ObjectPath(ap))
    return dbus.ObjectPath(path)

def deactivate(nm, ac):
    ac = str(ac)
    if ac not in actives():
        fail('ConnectionNotActive', 'The connection was not active.')
    drop(nm, ac, 2)

def refresh_available(dev):
    seen = set(bytes(objects[ap].props[API]['Ssid']) for ap in aps_of(dev))
    conns = [str(c) for c in objects[NM + '/Settings'].props[SI]['Connections']]
    avail = [c for c in conns if ssid_of(c) is not None and ssid_of(c) in seen]
    objects[dev].Set(DI, 'AvailableConnections', dbus.Array([dbus.ObjectPath(c) for c in avail], signature='o'))

def device_lost(nm, dev):
    for ac in actives():
        if dev in devices_of(ac):
            drop(nm, ac, 3)
`;

/** Why these tests cannot run here (python3-dbusmock or dbus-daemon missing), or undefined when they can. */
async function problems(): Promise<string[]> {
  const out: string[] = [];
  try {
    const r = await new Deno.Command(PYTHON, {
      args: ["-c", "import dbusmock.templates.networkmanager"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!r.success) out.push(`${PYTHON} cannot import dbusmock (apt-get install python3-dbusmock)`);
  } catch {
    out.push(`${PYTHON} is missing (apt-get install python3-dbusmock)`);
  }
  try {
    await new Deno.Command("dbus-daemon", { args: ["--version"], stdout: "null", stderr: "null" }).output();
  } catch {
    out.push("dbus-daemon is missing (apt-get install dbus-daemon)");
  }
  return out;
}

/**
 * Undefined when the mock can run; else the reason, printed. Under `CI=true` it is printed as an error and
 * undefined is returned, so the tests run and fail instead of skipping.
 */
export async function dbusmockSkipReason(what: string): Promise<string | undefined> {
  const p = await problems();
  if (p.length === 0) return undefined;
  const reason = p.join("; ");
  if (Deno.env.get("CI") === "true") {
    console.error(`${what}: CI=true and ${reason}: the dbusmock tests will fail`);
    return undefined;
  }
  console.warn(`${what}: SKIPPING the dbusmock tests: ${reason}`);
  return reason;
}

/** A saved Wi-Fi connection of the mock. */
export interface MockConnection {
  path: string;
  uuid: string;
  name: string;
}

/** Stops a child by its own pid: SIGTERM, then SIGKILL after `ms`; waits for its exit. */
async function stopChild(child: Deno.ChildProcess, ms = 3000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    Deno.kill(child.pid, "SIGTERM");
  } catch { /* gone */ }
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<false>((r) => timer = setTimeout(() => r(false), ms)),
  ]);
  clearTimeout(timer);
  if (!exited) {
    try {
      Deno.kill(child.pid, "SIGKILL");
    } catch { /* gone */ }
    await child.status;
  }
}

/** Collects a stream's text in the background (a child's log, for error messages). */
function drain(stream: ReadableStream<Uint8Array>, into: string[]): void {
  void (async () => {
    try {
      for await (const chunk of stream) into.push(decoder.decode(chunk));
    } catch { /* closed */ }
  })();
}

/** The private bus's configuration: anyone on it may own and call anything (it is ours alone). */
function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;
}

/** Reads the bus's first two lines (address, pid): dbus-daemon dies writing its pid if the pipe closes first. */
async function readBusAddress(child: Deno.ChildProcess, ms: number): Promise<string> {
  const reader = child.stdout.getReader();
  let buf = "";
  const deadline = Date.now() + ms;
  try {
    while (buf.split("\n").length <= 2) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        reader.read(),
        new Promise<"timeout">((res) => timer = setTimeout(() => res("timeout"), deadline - Date.now())),
      ]);
      clearTimeout(timer);
      if (r === "timeout") throw new Error(`dbusmock: dbus-daemon did not start within ${ms} ms`);
      if (r.done) throw new Error("dbusmock: dbus-daemon exited during start-up");
      buf += decoder.decode(r.value);
    }
  } finally {
    reader.releaseLock();
  }
  await child.stdout.cancel();
  return buf.split("\n")[0].trim();
}

/** A running mock NetworkManager on a private bus. Stop it with {@linkcode MockNetworkManager.stop}. */
export class MockNetworkManager implements AsyncDisposable {
  readonly dir: string;
  readonly busAddress: string;
  /** The mock's stderr so far (its errors and tracebacks). */
  readonly log: string[];
  #bus: dbus.MessageBus;
  #busChild: Deno.ChildProcess;
  #mock: Deno.ChildProcess;
  #stopped = false;

  private constructor(
    dir: string,
    busAddress: string,
    bus: dbus.MessageBus,
    busChild: Deno.ChildProcess,
    mock: Deno.ChildProcess,
    log: string[],
  ) {
    this.log = log;
    this.dir = dir;
    this.busAddress = busAddress;
    this.#bus = bus;
    this.#busChild = busChild;
    this.#mock = mock;
  }

  /** Starts a private dbus-daemon and dbusmock's NetworkManager template on it, extended as described above. */
  static async start(timeout = 15_000): Promise<MockNetworkManager> {
    const dir = await Deno.makeTempDir({ prefix: "netsession-dbusmock-" });
    const children: Deno.ChildProcess[] = [];
    let client: dbus.MessageBus | undefined;
    try {
      await Deno.writeTextFile(`${dir}/bus.conf`, busConfig(`${dir}/bus`));
      const busChild = new Deno.Command("dbus-daemon", {
        args: [`--config-file=${dir}/bus.conf`, "--nofork", "--print-address=1", "--print-pid=1"],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      children.push(busChild);
      const address = await readBusAddress(busChild, timeout);
      const log: string[] = [];
      const mock = new Deno.Command(PYTHON, {
        args: ["-m", "dbusmock", "--system", "--template", "networkmanager"],
        env: { DBUS_SYSTEM_BUS_ADDRESS: address },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      children.push(mock);
      drain(mock.stderr, log);
      let exited = false;
      mock.status.then(() => exited = true);
      client = dbus.sessionBus({ busAddress: address });
      const deadline = Date.now() + timeout;
      for (;;) {
        const r = await client.call(
          new Message({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "NameHasOwner",
            signature: "s",
            body: [NM],
          }),
        );
        if (r?.body[0] === true) break;
        if (exited) throw new Error(`dbusmock: the mock exited during start-up: ${log.join("")}`);
        if (Date.now() > deadline) throw new Error(`dbusmock: no ${NM} on the bus within ${timeout} ms`);
        await new Promise((res) => setTimeout(res, 20));
      }
      const nm = new MockNetworkManager(dir, address, client, busChild, mock, log);
      await nm.#extend();
      return nm;
    } catch (e) {
      client?.disconnect();
      for (const c of children.reverse()) await stopChild(c);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  /** Calls a method of the mock; resolves to the reply's body. */
  async call(
    path: string,
    iface: string,
    member: string,
    signature = "",
    body: unknown[] = [],
  ): Promise<unknown[]> {
    const reply = await this.#bus.call(
      new Message({ destination: NM, path, interface: iface, member, signature, body }),
    );
    return reply?.body ?? [];
  }

  /** A method of dbusmock's control interface (`org.freedesktop.DBus.Mock`) of `path`. */
  mock(member: string, signature = "", body: unknown[] = [], path = MAIN): Promise<unknown[]> {
    return this.call(path, MOCK_IFACE, member, signature, body);
  }

  /** Runs Python in the mock (AddMethod on the NetworkManager object, then calls it). */
  async #python(name: string, code: string, signature = "", body: unknown[] = []): Promise<unknown[]> {
    await this.mock("AddMethod", "sssss", [TEST_IFACE, name, signature, "", code], NM_PATH);
    return this.call(NM_PATH, TEST_IFACE, name, signature, body);
  }

  async #extend(): Promise<void> {
    await this.#python("Setup", "ns = {'objects': objects}\nexec(args[0], ns)\nself.nsx = ns", "s", [
      EMULATION,
    ]);
    await this.mock("AddMethod", "sssss", [
      NM,
      "ActivateConnection",
      "ooo",
      "o",
      "ret = self.nsx['activate'](self, args[0], args[1], args[2])",
    ], NM_PATH);
    await this.mock("AddMethod", "sssss", [
      NM,
      "DeactivateConnection",
      "o",
      "",
      "self.nsx['deactivate'](self, args[0])",
    ], NM_PATH);
    await this.mock("AddMethod", "sssss", [
      TEST_IFACE,
      "RefreshAvailable",
      "s",
      "",
      "self.nsx['refresh_available'](args[0])",
    ], NM_PATH);
    await this.mock("AddMethod", "sssss", [
      TEST_IFACE,
      "DeviceLost",
      "s",
      "",
      "self.nsx['device_lost'](self, args[0])",
    ], NM_PATH);
  }

  /** Adds a Wi-Fi device (dbusmock `AddWiFiDevice`) with an `ActiveAccessPoint` property; resolves to its path. */
  async addWiFiDevice(name: string, iface = name, state = DEVICE_DISCONNECTED): Promise<string> {
    const [path] = await this.mock("AddWiFiDevice", "ssi", [name, iface, state]) as [string];
    await this.mock("AddProperty", "ssv", [WIRELESS, "ActiveAccessPoint", new Variant("o", "/")], path);
    return path;
  }

  /**
   * An access point appears in the device's scan list (dbusmock `AddAccessPoint`, WPA2 PSK, 2.4 GHz); saved
   * networks of its SSID become available on the device. Resolves to its path.
   */
  async addAccessPoint(device: string, name: string, ssid: string, strength: number): Promise<string> {
    const i = Math.floor(Math.random() * 200) + 16;
    const bssid = `02:00:00:00:${i.toString(16)}:${(name.length % 256).toString(16).padStart(2, "0")}`;
    const [path] = await this.mock("AddAccessPoint", "ssssuuuyu", [
      device,
      name,
      ssid,
      bssid,
      2, // infrastructure
      2437,
      54000,
      strength,
      0x100, // WPA-PSK (the template knows no other key management)
    ]) as [string];
    await this.call(NM_PATH, TEST_IFACE, "RefreshAvailable", "s", [device]);
    return path;
  }

  /** The access point's signal changes (dbusmock `SetProperty` of `Strength`: a PropertiesChanged signal). */
  async setStrength(accessPoint: string, strength: number): Promise<void> {
    await this.mock("SetProperty", "sssv", [
      accessPoint,
      ACCESS_POINT,
      "Strength",
      new Variant("y", strength),
    ]);
  }

  /** The access point leaves the scan list (dbusmock `RemoveAccessPoint`); availability is recomputed. */
  async removeAccessPoint(device: string, accessPoint: string): Promise<void> {
    await this.mock("RemoveAccessPoint", "ss", [device, accessPoint]);
    await this.call(NM_PATH, TEST_IFACE, "RefreshAvailable", "s", [device]);
  }

  /** The supplicant moves the device to another access point (BSSID) of its network: `ActiveAccessPoint` changes. */
  async roamTo(device: string, accessPoint: string): Promise<void> {
    await this.mock("SetProperty", "sssv", [
      device,
      WIRELESS,
      "ActiveAccessPoint",
      new Variant("o", accessPoint),
    ]);
  }

  /** The device loses its link (the supplicant gave up): its active connection goes DEACTIVATING, then away. */
  async deviceLost(device: string): Promise<void> {
    await this.call(NM_PATH, TEST_IFACE, "DeviceLost", "s", [device]);
  }

  /**
   * A saved Wi-Fi connection for `ssid` whose access point is visible on `device` (dbusmock `AddWiFiConnection`,
   * which needs it).
   */
  async addWiFiConnection(device: string, name: string, ssid: string): Promise<MockConnection> {
    const [path] = await this.mock("AddWiFiConnection", "ssss", [device, name, ssid, "wpa-psk"]) as [string];
    return { path, uuid: await this.uuidOf(path), name: ssid };
  }

  /** A saved Wi-Fi connection for `ssid` that no access point need offer yet (Settings `AddConnection`). */
  async addSavedWiFi(name: string, ssid: string, uuid = crypto.randomUUID()): Promise<MockConnection> {
    const s = (v: string) => new Variant("s", v);
    const [path] = await this.call(SETTINGS_PATH, `${NM}.Settings`, "AddConnection", "a{sa{sv}}", [{
      connection: {
        id: s(name),
        uuid: s(uuid),
        type: s("802-11-wireless"),
        autoconnect: new Variant("b", false),
      },
      "802-11-wireless": {
        ssid: new Variant("ay", new TextEncoder().encode(ssid)),
        mode: s("infrastructure"),
      },
    }]) as [string];
    for (const [dev] of await this.wifiDevices()) {
      await this.call(NM_PATH, TEST_IFACE, "RefreshAvailable", "s", [dev]);
    }
    return { path, uuid, name };
  }

  /** The UUID of a saved connection. */
  async uuidOf(path: string): Promise<string> {
    const [settings] = await this.call(path, `${NM}.Settings.Connection`, "GetSettings") as [
      Record<string, Record<string, { value: unknown }>>,
    ];
    return String(settings.connection.uuid.value);
  }

  /** UUIDs of the active connections, as NetworkManager lists them. */
  async activeUuids(): Promise<string[]> {
    const [actives] = await this.call(NM_PATH, "org.freedesktop.DBus.Properties", "Get", "ss", [
      NM,
      "ActiveConnections",
    ]) as [{ value: string[] }];
    const out: string[] = [];
    for (const ac of actives.value) {
      const [v] = await this.call(ac, "org.freedesktop.DBus.Properties", "Get", "ss", [
        `${NM}.Connection.Active`,
        "Uuid",
      ]) as [{ value: string }];
      out.push(v.value);
    }
    return out;
  }

  async wifiDevices(): Promise<[string][]> {
    const [devices] = await this.call(NM_PATH, NM, "GetDevices") as [string[]];
    const out: [string][] = [];
    for (const d of devices) {
      const [t] = await this.call(d, "org.freedesktop.DBus.Properties", "Get", "ss", [
        `${NM}.Device`,
        "DeviceType",
      ]) as [{ value: number }];
      if (t.value === 2) out.push([d]);
    }
    return out;
  }

  /** Writes a service-networks file (the driver's `serviceNetworks` option); resolves to its path. */
  async serviceNetworks(networks: { id: string; name: string; members: string[] }[]): Promise<string> {
    const file = `${this.dir}/service-networks.json`;
    await Deno.writeTextFile(file, JSON.stringify({ serviceNetworks: networks }));
    return file;
  }

  /** Stops the mock and the bus (each by its own pid) and removes the directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#bus.disconnect();
    await stopChild(this.#mock);
    await stopChild(this.#busChild);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** Same as {@linkcode MockNetworkManager.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
