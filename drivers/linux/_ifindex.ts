// Internal: kernel indexes of the interfaces of NetworkManager's network namespace, which may not be ours.

/**
 * A lookup of interface indexes by name, read once per lookup function: from `/proc/<NetworkManager pid>/net/igmp`
 * (right even when NetworkManager runs in another namespace), else `/sys/class/net` when it shares ours. 0 when
 * unknown.
 */
export function interfaceIndexes(nmPid: number): (name: string) => number {
  let cache: Map<string, number> | undefined;
  return (name) => {
    if (!cache) {
      cache = new Map<string, number>();
      if (nmPid) {
        try {
          const text = Deno.readTextFileSync(`/proc/${nmPid}/net/igmp`);
          for (const m of text.matchAll(/^(\d+)\s+(\S+)\s*:/gm)) {
            cache.set(m[2], Number(m[1]));
          }
        } catch { /* no permission or not Linux */ }
      }
    }
    const known = cache.get(name);
    if (known !== undefined) return known;
    try {
      const same = !nmPid ||
        Deno.readLinkSync("/proc/self/ns/net") ===
          Deno.readLinkSync(`/proc/${nmPid}/ns/net`);
      if (same) {
        const n = Number(
          Deno.readTextFileSync(`/sys/class/net/${name}/ifindex`).trim(),
        ) || 0;
        cache.set(name, n);
        return n;
      }
    } catch { /* unknown */ }
    return 0;
  };
}
