// Internal: a thin client over dbus-next's MessageBus (no proxies, no introspection). Every message is seen in
// wire order by one handler, replies of chosen calls can be applied synchronously in that order, every call has
// a time-out, and D-Bus errors become DriverErrors here so that nothing D-Bus-shaped leaves this package.
import dbus from "dbus-next";
import { DriverError } from "@netsession/core";

/** A received D-Bus message (the fields we use). */
export interface BusMessage {
  type: number;
  serial: number;
  replySerial?: number;
  sender?: string;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  signature?: string;
  // deno-lint-ignore no-explicit-any
  body: any[];
}

/** A method call. */
export interface Call {
  destination?: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export const NM = "org.freedesktop.NetworkManager";
const METHOD_RETURN = 2;
const ERROR = 3;
export const SIGNAL = 4;

/** Recursively replaces dbus-next Variants by their values. */
export function unwrap(v: unknown): unknown {
  if (v instanceof dbus.Variant) return unwrap((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unwrap(x);
    return out;
  }
  return v;
}

/** Builds a Variant (for Properties.Set and a{sv} arguments). */
export function variant(signature: string, value: unknown): unknown {
  return new dbus.Variant(signature, value);
}

/** A D-Bus failure as the driver sees it: name and text, before mapping. */
export class BusCallError extends Error {
  constructor(readonly dbusName: string, message: string) {
    super(message);
    this.name = "BusCallError";
  }
}

/**
 * Maps a failure of a D-Bus call to a DriverError with a clear message. `what` says what we were doing
 * ("activating 'lab-a'").
 */
export function toDriverError(e: unknown, what: string): DriverError {
  if (e instanceof DriverError) return e;
  const name = e instanceof BusCallError ? e.dbusName : "";
  const text = e instanceof Error ? e.message : String(e);
  const short = name.replace(
    /^org\.freedesktop\.(NetworkManager\.|DBus\.Error\.)?/,
    "",
  );
  const invalid = [
    "org.freedesktop.NetworkManager.UnknownConnection",
    "org.freedesktop.NetworkManager.Settings.InvalidConnection",
    "org.freedesktop.NetworkManager.Settings.InvalidSetting",
    "org.freedesktop.NetworkManager.Settings.InvalidProperty",
    "org.freedesktop.NetworkManager.Settings.UnknownConnection",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.UnknownMethod",
    "org.freedesktop.DBus.Error.InvalidArgs",
  ];
  const unsupported = [
    "org.freedesktop.NetworkManager.PermissionDenied",
    "org.freedesktop.NetworkManager.Settings.PermissionDenied",
    "org.freedesktop.NetworkManager.Settings.NotSupported",
    "org.freedesktop.NetworkManager.Device.NotSoftware",
    "org.freedesktop.DBus.Error.AccessDenied",
    "org.freedesktop.DBus.Error.NotSupported",
  ];
  const gone = [
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.Timeout",
    "org.freedesktop.DBus.Error.TimedOut",
  ];
  if (invalid.includes(name)) {
    return new DriverError("invalid-configuration", `${what}: ${text}`, {
      cause: e,
    });
  }
  if (unsupported.includes(name)) {
    return new DriverError(
      "operation-not-supported",
      `${what}: not allowed by NetworkManager (${text})`,
      {
        cause: e,
      },
    );
  }
  if (gone.includes(name)) {
    return new DriverError(
      "unknown",
      `${what}: NetworkManager is not reachable (${short}: ${text}); is it running on this bus?`,
      { cause: e },
    );
  }
  return new DriverError(
    "unknown",
    `${what}: ${short ? `${short}: ` : ""}${text}`,
    { cause: e },
  );
}

// deno-lint-ignore no-explicit-any
type RawBus = any;

/** One connection to a bus. `onMessage` sees every incoming message in wire order. */
export class BusConnection {
  #bus: RawBus;
  #closed = false;
  #syncReplies = new Map<number, (msg: BusMessage) => void>();
  #onClose: (why: string) => void;
  #connected = false;
  #pending = new Set<(why: string) => void>();
  readonly address: string;

  private constructor(
    bus: RawBus,
    address: string,
    onClose: (why: string) => void,
  ) {
    this.#bus = bus;
    this.address = address;
    this.#onClose = onClose;
  }

  /** Connects and says Hello; rejects with a DriverError within `timeout` ms. */
  static connect(
    address: string,
    onMessage: (msg: BusMessage) => void,
    onClose: (why: string) => void,
    timeout = 5000,
  ): Promise<BusConnection> {
    return new Promise((resolve, reject) => {
      let bus: RawBus;
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          bus?.disconnect();
        } catch { /* ignore */ }
        reject(
          new DriverError(
            "unknown",
            `cannot connect to the D-Bus system bus at ${address}: ${why}`,
          ),
        );
      };
      const timer = setTimeout(
        () => fail(`no answer within ${timeout} ms`),
        timeout,
      );
      try {
        bus = dbus.sessionBus({ busAddress: address });
      } catch (e) {
        fail((e as Error).message);
        return;
      }
      const conn = new BusConnection(bus, address, onClose);
      bus.on("error", (e: Error) => {
        if (!settled) fail(e?.message ?? String(e));
        else conn.#lost(`bus error: ${e?.message ?? e}`);
      });
      bus.on("message", (msg: BusMessage) => {
        if (
          (msg.type === METHOD_RETURN || msg.type === ERROR) &&
          msg.replySerial !== undefined
        ) {
          const h = conn.#syncReplies.get(msg.replySerial);
          if (h) {
            conn.#syncReplies.delete(msg.replySerial);
            if (msg.type === METHOD_RETURN) h(msg);
          }
        }
        if (msg.type === SIGNAL) onMessage(msg);
      });
      const stream = bus._connection?.stream;
      stream?.on?.("close", () => conn.#lost("the bus closed the connection"));
      bus._connection?.on?.(
        "end",
        () => conn.#lost("the bus closed the connection"),
      );
      bus.on("connect", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.#connected = true;
        resolve(conn);
      });
    });
  }

  #lost(why: string) {
    if (this.#closed || !this.#connected) return;
    this.#closed = true;
    for (const [serial] of this.#syncReplies) {
      delete this.#bus._methodReturnHandlers?.[serial];
    }
    this.#syncReplies.clear();
    // Fail every call of ours still waiting for a reply (dbus-next's own handlers are left alone: failing its
    // pending Hello would make it throw an unhandled rejection).
    for (const fail of [...this.#pending]) fail(why);
    this.#pending.clear();
    this.#onClose(why);
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Calls a method. `applySync` runs in wire order (before any later signal is handled) with the reply.
   * Rejects with BusCallError (D-Bus error), or a DriverError on time-out / lost connection.
   */
  call(
    c: Call,
    options: { timeout?: number; applySync?: (msg: BusMessage) => void } = {},
  ): Promise<BusMessage> {
    if (this.#closed) {
      return Promise.reject(
        new BusCallError(
          "org.freedesktop.DBus.Error.Disconnected",
          "not connected to the bus",
        ),
      );
    }
    const timeout = options.timeout ?? 25000;
    const msg = new dbus.Message({
      destination: c.destination ?? NM,
      path: c.path,
      interface: c.interface,
      member: c.member,
      signature: c.signature,
      body: c.body ?? [],
    });
    const p: Promise<BusMessage> = this.#bus.call(msg);
    const serial = msg.serial as number;
    if (options.applySync) this.#syncReplies.set(serial, options.applySync);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lost: ((why: string) => void) | undefined;
    const timed = new Promise<never>((_, reject) => {
      lost = (why) =>
        reject(
          new BusCallError(
            "org.freedesktop.DBus.Error.Disconnected",
            `${c.interface}.${c.member}: ${why}`,
          ),
        );
      this.#pending.add(lost);
      timer = setTimeout(() => {
        delete this.#bus._methodReturnHandlers?.[serial];
        this.#syncReplies.delete(serial);
        reject(
          new BusCallError(
            "org.freedesktop.DBus.Error.NoReply",
            `${c.interface}.${c.member} got no reply within ${timeout} ms`,
          ),
        );
      }, timeout);
    });
    return Promise.race([
      p.catch((e: { type?: string; text?: string; message?: string }) => {
        throw new BusCallError(
          e?.type ?? "",
          e?.text ?? e?.message ?? String(e),
        );
      }),
      timed,
    ]).finally(() => {
      clearTimeout(timer);
      this.#pending.delete(lost!);
    });
  }

  /** Convenience: `org.freedesktop.DBus` method on the bus itself. */
  busCall(
    member: string,
    signature?: string,
    body?: unknown[],
  ): Promise<BusMessage> {
    return this.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member,
      signature,
      body,
    });
  }

  /** Closes the connection (no onClose callback). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#syncReplies.clear();
    for (const fail of [...this.#pending]) fail("the connection was closed");
    this.#pending.clear();
    try {
      this.#bus._signals?.removeAllListeners?.();
      this.#bus._connection?.stream?.destroy?.();
    } catch { /* ignore */ }
    try {
      this.#bus.disconnect();
    } catch { /* ignore */ }
  }
}
