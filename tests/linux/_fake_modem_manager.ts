// A stand-in for ModemManager on the lab's private bus: one modem whose access technology a test sets. Real
// NetworkManager picks it up (its WWAN plugin creates a modem device for it), so the driver sees what it would see
// with a real modem: a NetworkManager modem device whose Udi is the ModemManager object, and that object's
// AccessTechnologies, changing live.
import dbus from "dbus-next";

const MM = "org.freedesktop.ModemManager1";
const MODEM_IFACE = "org.freedesktop.ModemManager1.Modem";
const { Interface } = dbus.interface;
const Variant = dbus.Variant;

export const FAKE_MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0";

function modemProperties(accessTechnologies: number) {
  const v = (signature: string, value: unknown) => new Variant(signature, value);
  return {
    [MODEM_IFACE]: {
      Sim: v("o", "/"),
      SimSlots: v("ao", []),
      PrimarySimSlot: v("u", 0),
      Bearers: v("ao", []),
      SupportedCapabilities: v("au", [4 | 8]),
      CurrentCapabilities: v("u", 4 | 8), // GSM/UMTS + LTE
      MaxBearers: v("u", 1),
      MaxActiveBearers: v("u", 1),
      Manufacturer: v("s", "netsession"),
      Model: v("s", "lab modem"),
      Revision: v("s", "1"),
      HardwareRevision: v("s", "1"),
      DeviceIdentifier: v("s", "lab0"),
      Device: v("s", "/sys/devices/netsession-lab/modem0"),
      Physdev: v("s", "/sys/devices/netsession-lab/modem0"),
      Drivers: v("as", ["option"]),
      Plugin: v("s", "generic"),
      PrimaryPort: v("s", "ttyLAB0"),
      Ports: v("a(su)", [["ttyLAB0", 3], ["wwlab0", 2]]),
      EquipmentIdentifier: v("s", "000000000000000"),
      UnlockRequired: v("u", 1),
      UnlockRetries: v("a{uu}", {}),
      State: v("i", 8), // registered
      StateFailedReason: v("u", 0),
      AccessTechnologies: v("u", accessTechnologies),
      SignalQuality: v("(ub)", [80, true]),
      OwnNumbers: v("as", []),
      PowerState: v("u", 3),
      SupportedModes: v("a(uu)", [[14, 8]]),
      CurrentModes: v("(uu)", [14, 8]),
      SupportedBands: v("au", []),
      CurrentBands: v("au", []),
      SupportedIpFamilies: v("u", 7),
    },
  };
}

/** Starts the stand-in: exports the modem, then takes ModemManager's name. */
export async function startFakeModemManager(busAddress: string, accessTechnologies: number) {
  const bus = dbus.sessionBus({ busAddress });
  let access = accessTechnologies;
  class ObjectManager extends Interface {
    GetManagedObjects() {
      return { [FAKE_MODEM_PATH]: modemProperties(access) };
    }
  }
  ObjectManager.configureMembers({
    methods: { GetManagedObjects: { inSignature: "", outSignature: "a{oa{sa{sv}}}" } },
  });
  // deno-lint-ignore no-explicit-any
  const objectManager = new (ObjectManager as any)("org.freedesktop.DBus.ObjectManager");
  bus.export("/org/freedesktop/ModemManager1", objectManager);
  const reply = await bus.requestName(MM, 0);
  if (reply !== 1) throw new Error(`could not own ${MM} on the lab bus (reply ${reply})`);
  return {
    /** Changes the modem's access technology and signals it as ModemManager does (PropertiesChanged). */
    setAccessTechnologies(bits: number): void {
      access = bits;
      bus.send(
        new dbus.Message({
          type: dbus.MessageType.SIGNAL,
          path: FAKE_MODEM_PATH,
          interface: "org.freedesktop.DBus.Properties",
          member: "PropertiesChanged",
          signature: "sa{sv}as",
          body: [MODEM_IFACE, { AccessTechnologies: new Variant("u", bits) }, []],
        }),
      );
    },
    /** ModemManager leaves the bus. */
    stop(): void {
      bus.disconnect();
    },
  };
}
