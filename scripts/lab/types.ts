// The lab's types: the options of startLab, the access points of a running lab, and the record of a lab that
// lab.json keeps (what `down` and the stale-lab reaper need to tear it down from another process).

/** Options of one access point of the lab. */
export interface LabAccessPointOptions {
  /** Connection name (`lab-a`, ...). Default `lab-<letter>`. */
  readonly name?: string;
  /** `connection.metered yes`. Default false. */
  readonly metered?: boolean;
  /** `connection.autoconnect`. Default false (an autoconnecting connection comes up at once). */
  readonly autoconnect?: boolean;
  /** `connection.autoconnect-priority`. Default 0. */
  readonly autoconnectPriority?: number;
}

/** Options of {@linkcode startLab}. */
export interface LabOptions {
  /** Access points: a count (names `lab-a`, `lab-b`, ...; `lab-b` metered) or a list. Default 2. */
  readonly accessPoints?: number | readonly LabAccessPointOptions[];
  /** Directory under which the lab keeps its state. Default `<repo>/.lab/` (or the temp dir if too long). */
  readonly stateRoot?: string;
  /** Seconds between NetworkManager's periodic connectivity checks (0 = connectivity checking off). Default 10. */
  readonly connectivityInterval?: number;
  /** Leave the processes running when this Deno process exits (the CLI's `up`). Default false. */
  readonly persistent?: boolean;
  /** Milliseconds allowed for bring-up. Default 15000. */
  readonly timeout?: number;
}

/** One access point of a running lab. */
export interface LabAccessPoint {
  /** Connection name, e.g. `lab-a`. */
  readonly name: string;
  /** Connection UUID. */
  readonly uuid: string;
  /** Interface name in NetworkManager's namespace, e.g. `ns-a`. */
  readonly interface: string;
  /** Interface index of {@linkcode LabAccessPoint.interface} (101, 102, ...). */
  readonly ifindex: number;
  /** The access point's end of the veth, e.g. `apa` (in {@linkcode LabAccessPoint.peerNamespace}). */
  readonly peerInterface: string;
  /** The namespace of the access point's end. */
  readonly peerNamespace: string;
  /** Our address on the link, e.g. `10.77.1.2`. */
  readonly address: string;
  /** The access point's address (also the gateway), e.g. `10.77.1.1`. */
  readonly peerAddress: string;
  /** Prefix length of the link subnet (24). */
  readonly prefix: number;
  /** Whether the connection is `metered yes`. */
  readonly metered: boolean;
  /** Whether the connection autoconnects. */
  readonly autoconnect: boolean;
}

/** Connectivity answer of an access point's HTTP server. */
export type LabConnectivity = "full" | "portal" | "limited";

/** What a lab's `lab.json` holds. */
export interface LabRecord {
  id: string;
  dir: string;
  ownerPid: number;
  persistent: boolean;
  namespaces: string[];
  pids: Record<string, number>;
  busAddress: string;
  accessPoints: LabAccessPoint[];
}
