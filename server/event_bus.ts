/**
 * {@linkcode EventBus}: the daemon's event stream. Every event gets a
 * monotonically increasing sequence number and is serialised once; the last
 * events are kept in a bounded ring buffer for resumption (`Last-Event-ID`),
 * and every subscriber has a bounded queue: a consumer that falls behind gets
 * its excess dropped and a `gap` marker instead, never unbounded memory.
 *
 * @module
 */

import type { EventStamp, GapMarker } from "./protocol.ts";

/**
 * What {@linkcode EventBus.publish} takes at the least: an object with a `type`.
 * The daemon's bus takes exactly the protocol's `DaemonEventBody`.
 *
 * @example
 * ```ts
 * import type { EventBody } from "@netsession/server";
 * const body: EventBody = { type: "test", n: 1 };
 * ```
 */
export interface EventBody {
  /** The event type. */
  readonly type: string;
  /** The fields of the type. */
  readonly [field: string]: unknown;
}

/**
 * One item a subscriber receives: an event serialised as JSON, or a marker
 * (`gap`, `hello`) that has no sequence number of its own.
 *
 * @example
 * ```ts
 * import type { BusItem } from "@netsession/server";
 * const item: BusItem = { id: 3, data: '{"seq":3,"type":"online-changed","online":true}' };
 * console.log(JSON.parse(item.data).type);
 * ```
 */
export interface BusItem {
  /** The id a client resumes after (the event's `seq`; for a `gap`, the last missed seq). */
  readonly id: number | undefined;
  /** The JSON text of the event. */
  readonly data: string;
}

/**
 * Options of {@linkcode EventBus}.
 *
 * @example
 * ```ts
 * import { EventBus, type EventBusOptions } from "@netsession/server";
 * const options: EventBusOptions = { bufferSize: 256, queueLimit: 64 };
 * const bus = new EventBus(options);
 * console.log(bus.seq); // 0
 * ```
 */
export interface EventBusOptions {
  /** Events kept for resumption (default 1024). */
  readonly bufferSize?: number;
  /** Items a subscriber may have waiting before events are dropped for it (default 256). */
  readonly queueLimit?: number;
  /** Wall-clock source of `time` (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Options of {@linkcode EventBus.subscribe}.
 *
 * @example
 * ```ts
 * import { EventBus } from "@netsession/server";
 * const bus = new EventBus();
 * const sub = bus.subscribe({ since: 0 });
 * sub.close();
 * ```
 */
export interface SubscribeOptions {
  /** Replay the buffered events after this sequence number (a `gap` first if some are gone). */
  readonly since?: number;
  /** Overrides the bus's per-subscriber queue limit. */
  readonly queueLimit?: number;
  /** A marker (JSON text) delivered before anything else, such as a `hello`. */
  readonly greeting?: string;
}

/**
 * A subscriber's end of the {@linkcode EventBus}: pull items with
 * {@linkcode Subscriber.next}.
 *
 * @example
 * ```ts
 * import { EventBus } from "@netsession/server";
 * const bus = new EventBus();
 * const sub = bus.subscribe();
 * bus.publish({ type: "online-changed", online: true });
 * const item = await sub.next();
 * console.log(item?.id); // 1
 * sub.close();
 * ```
 */
export class Subscriber {
  #queue: BusItem[] = [];
  #limit: number;
  #waiter: ((item: BusItem | null | undefined) => void) | undefined;
  #ready: (() => void) | undefined;
  #overflow: { from: number; to: number } | undefined;
  #closed = false;
  #onClose: () => void;
  /** Events dropped for this subscriber because it fell behind. */
  dropped = 0;

  /** @internal made by {@linkcode EventBus.subscribe}. */
  constructor(limit: number, onClose: () => void) {
    this.#limit = limit;
    this.#onClose = onClose;
  }

  /** Whether the subscription has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Items waiting to be pulled. */
  get pending(): number {
    return this.#queue.length;
  }

  /** @internal delivers an item (or drops it when the queue is full). */
  push(item: BusItem): void {
    if (this.#closed) return;
    if (this.#waiter && this.#queue.length === 0 && !this.#overflow) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(item);
      return;
    }
    if (this.#overflow || this.#queue.length >= this.#limit) {
      // Once over the limit, drop until the consumer has caught up, then tell it with one gap.
      this.dropped++;
      const seq = item.id ?? 0;
      if (this.#overflow) this.#overflow.to = Math.max(this.#overflow.to, seq);
      else {
        this.#overflow = { from: seq, to: seq };
        this.#ready?.(); // a gap is there to poll once the queue is drained
      }
      return;
    }
    this.#queue.push(item);
    this.#ready?.();
  }

  /** @internal a marker that must not be dropped (gap at replay, hello). */
  pushFirst(item: BusItem): void {
    if (this.#closed) return;
    this.#queue.push(item);
    this.#ready?.();
  }

  /**
   * The next item; `undefined` when `timeoutMs` passed first (send a
   * keep-alive), `null` once the subscription is closed and drained.
   */
  next(timeoutMs?: number): Promise<BusItem | null | undefined> {
    const now = this.poll();
    if (now !== undefined) return Promise.resolve(now);
    if (this.#waiter) {
      return Promise.reject(new Error("Subscriber.next(): another next() is already waiting"));
    }
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#waiter = (item) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(item);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#waiter = undefined;
          resolve(undefined);
        }, timeoutMs);
      }
    });
  }

  /**
   * The next item if one is waiting, without waiting: the item (or a `gap`), `null` once the subscription is
   * closed and drained, `undefined` when nothing is waiting yet. With {@linkcode Subscriber.onReady} it feeds
   * a consumer that is told when to poll again, with no promise or timer per item (the SSE streams).
   *
   * @example
   * ```ts
   * import { EventBus } from "@netsession/server";
   * const bus = new EventBus();
   * const sub = bus.subscribe();
   * console.log(sub.poll()); // undefined: nothing yet
   * bus.publish({ type: "online-changed", online: true });
   * console.log(sub.poll()?.id); // 1
   * sub.close();
   * console.log(sub.poll()); // null
   * ```
   */
  poll(): BusItem | null | undefined {
    const queued = this.#queue.shift();
    if (queued) return queued;
    if (this.#overflow) {
      const { from, to } = this.#overflow;
      this.#overflow = undefined;
      return gapItem(from, to);
    }
    return this.#closed ? null : undefined;
  }

  /**
   * Calls `listener` (synchronously, from `publish` or `close`) whenever something is there to
   * {@linkcode Subscriber.poll}: an item was queued, or the subscription was closed. A `gap` is found by the
   * next `poll()` after the consumer caught up. Undefined removes it. A consumer uses either this with
   * `poll()`, or {@linkcode Subscriber.next}, not both at once.
   *
   * @example
   * ```ts
   * import { EventBus } from "@netsession/server";
   * const bus = new EventBus();
   * const sub = bus.subscribe();
   * sub.onReady(() => {
   *   for (let item = sub.poll(); item; item = sub.poll()) console.log("got", item.id);
   * });
   * bus.publish({ type: "online-changed", online: true }); // got 1
   * sub.close();
   * ```
   */
  onReady(listener: (() => void) | undefined): void {
    this.#ready = listener;
  }

  /** Ends the subscription after the queued items (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(null);
    this.#ready?.();
  }

  /** Ends the subscription at once, dropping what is queued. */
  abort(): void {
    this.#queue = [];
    this.#overflow = undefined;
    this.close();
  }
}

function gapItem(from: number, to: number): BusItem {
  const gap: GapMarker = {
    type: "gap",
    from,
    to,
    message:
      `events ${from}..${to} were not delivered (too far behind or no longer buffered); fetch GET /v1/driver/snapshot to resynchronise`,
  };
  return { id: to, data: JSON.stringify(gap) };
}

/**
 * Sequence-numbered publish/subscribe with a bounded replay buffer and bounded
 * per-subscriber queues. `E` is what it carries; the daemon's bus is an
 * `EventBus<DaemonEventBody>` (the protocol's union), so it publishes nothing else.
 *
 * @example
 * ```ts
 * import { EventBus } from "@netsession/server";
 * const bus = new EventBus({ bufferSize: 2 });
 * bus.publish({ type: "a" });
 * bus.publish({ type: "b" });
 * bus.publish({ type: "c" });
 * const late = bus.subscribe({ since: 0 }); // event 1 is gone: a gap, then 2 and 3
 * console.log(JSON.parse((await late.next())!.data).type); // "gap"
 * late.close();
 * ```
 */
export class EventBus<E extends { readonly type: string } = EventBody> {
  #ring: (BusItem | undefined)[];
  #start = 0; // index of the oldest buffered item
  #count = 0;
  #seq = 0;
  #subscribers = new Set<Subscriber>();
  #queueLimit: number;
  #now: () => number;
  #closed = false;
  /** Events published so far (equals `seq`). */
  published = 0;
  /** Events dropped for slow subscribers, in total. */
  dropped = 0;

  /**
   * Makes an empty bus.
   *
   * @param options buffer size, queue limit, time source
   */
  constructor(options: EventBusOptions = {}) {
    const size = options.bufferSize ?? 1024;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`bufferSize must be a positive integer`);
    this.#ring = new Array(size);
    this.#queueLimit = options.queueLimit ?? 256;
    this.#now = options.now ?? Date.now;
  }

  /** The sequence number of the last published event (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  /** Number of live subscribers. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The oldest sequence number still buffered (seq + 1 when the buffer is empty). */
  get oldest(): number {
    return this.#count === 0 ? this.#seq + 1 : this.#seq - this.#count + 1;
  }

  /** Publishes an event; returns it with its sequence number. Ignored after {@linkcode EventBus.close}. */
  publish(body: E): E & EventStamp {
    const event: E & EventStamp = { ...body, seq: this.#seq + 1, time: this.#now() };
    if (this.#closed) return event;
    this.#seq = event.seq;
    this.published++;
    const item: BusItem = { id: event.seq, data: JSON.stringify(event) };
    const size = this.#ring.length;
    if (this.#count < size) {
      this.#ring[(this.#start + this.#count) % size] = item;
      this.#count++;
    } else {
      this.#ring[this.#start] = item;
      this.#start = (this.#start + 1) % size;
    }
    for (const s of this.#subscribers) {
      const before = s.dropped;
      s.push(item);
      this.dropped += s.dropped - before;
    }
    return event;
  }

  /**
   * Subscribes. With `since`, the buffered events after it are queued first;
   * if some of them are no longer buffered (or `since` is from another
   * daemon), a `gap` marker comes first.
   */
  subscribe(options: SubscribeOptions = {}): Subscriber {
    const sub = new Subscriber(options.queueLimit ?? this.#queueLimit, () => this.#subscribers.delete(sub));
    if (this.#closed) {
      sub.close();
      return sub;
    }
    if (options.greeting !== undefined) sub.pushFirst({ id: undefined, data: options.greeting });
    const since = options.since;
    if (since !== undefined) {
      if (since > this.#seq) {
        sub.pushFirst(gapItem(1, this.#seq));
      } else {
        const oldest = this.oldest;
        if (since + 1 < oldest) sub.pushFirst(gapItem(since + 1, oldest - 1));
        const size = this.#ring.length;
        // The replay is bounded by the buffer, not by the queue limit: a resume within the kept window gets all of it.
        for (let i = 0; i < this.#count; i++) {
          const item = this.#ring[(this.#start + i) % size]!;
          if (item.id! > since) sub.pushFirst(item);
        }
      }
    }
    this.#subscribers.add(sub);
    return sub;
  }

  /** Queues a marker (not sequence-numbered) to every subscriber. */
  broadcastMarker(data: string): void {
    for (const s of this.#subscribers) s.pushFirst({ id: undefined, data });
  }

  /** Ends every subscription after its queued items; later publishes are ignored. */
  close(): void {
    this.#closed = true;
    for (const s of [...this.#subscribers]) s.close();
  }
}
