/**
 * A small typed event emitter whose listeners cannot break the emitter:
 * a listener that throws is reported and the others still run.
 *
 * @module
 */

import type { Subscription } from "./types.ts";

/**
 * Called with an error thrown by a listener, the event name, and the emitter's owner.
 *
 * @example
 * ```ts
 * import type { ListenerErrorHandler } from "@netsession/core";
 * const h: ListenerErrorHandler = (error, event) => console.error(`listener of ${event} failed`, error);
 * ```
 */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/**
 * The default {@linkcode ListenerErrorHandler}: prints the error with `console.error`.
 *
 * @example
 * ```ts
 * import { defaultListenerErrorHandler } from "@netsession/core";
 * defaultListenerErrorHandler(new Error("boom"), "opened");
 * ```
 */
export const defaultListenerErrorHandler: ListenerErrorHandler = (error: unknown, event: string): void => {
  console.error(`netsession: a "${event}" listener threw; the others still ran:`, error);
};

/**
 * Any listener function.
 *
 * @example
 * ```ts
 * import type { Listener } from "@netsession/core";
 * const l: Listener = (...args) => console.log(args);
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Listener = (...args: any[]) => void;

/** One subscription (a fresh object each time, so that the same function can be subscribed twice). */
interface Entry {
  readonly listener: Listener;
}

/** The subscriptions of one event, and the list `emit` walks (undefined after a change, until the next emit). */
interface Subscribers {
  readonly entries: Set<Entry>;
  list: readonly Entry[] | undefined;
}

/**
 * A typed emitter. `Events` maps event names to listener signatures.
 *
 * @example
 * ```ts
 * import { Emitter } from "@netsession/core";
 * const e = new Emitter<{ ping: (n: number) => void }>();
 * using _sub = e.on("ping", (n) => console.log(n));
 * e.emit("ping", 1);
 * ```
 */
export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  /**
   * Created with the first listener: an emitter nobody listens to costs next to nothing. Each event has
   * its subscriptions (a Set: O(1) to add and remove) and the list `emit` walks, made from them when
   * first needed after a change (so that emitting copies nothing and a listener added meanwhile waits).
   */
  #listeners: Map<keyof Events, Subscribers> | undefined;
  #onError: ListenerErrorHandler;
  #onChange?: (event: keyof Events, count: number) => void;

  /**
   * Creates an emitter.
   *
   * @param onError receives errors thrown by listeners
   * @param onChange called after a listener of an event is added or removed, with the new count
   */
  constructor(
    onError: ListenerErrorHandler = defaultListenerErrorHandler,
    onChange?: (event: keyof Events, count: number) => void,
  ) {
    this.#onError = onError;
    this.#onChange = onChange;
  }

  /** Adds a listener; returns its {@linkcode Subscription}. */
  on<K extends keyof Events>(event: K, listener: Events[K]): Subscription {
    if (typeof listener !== "function") {
      throw new TypeError(`on("${String(event)}", listener): listener must be a function`);
    }
    const listeners = this.#listeners ??= new Map();
    let subscribers = listeners.get(event);
    if (!subscribers) listeners.set(event, subscribers = { entries: new Set(), list: undefined });
    // One entry per subscription, so the same function can subscribe twice and unsubscribe each independently.
    const entry: Entry = { listener };
    subscribers.entries.add(entry);
    subscribers.list = undefined;
    this.#onChange?.(event, subscribers.entries.size);
    let active = true;
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      const now = this.#listeners?.get(event);
      if (!now?.entries.delete(entry)) return;
      now.list = undefined;
      if (now.entries.size === 0) this.#listeners!.delete(event);
      this.#onChange?.(event, now.entries.size);
    };
    return { unsubscribe, [Symbol.dispose]: unsubscribe };
  }

  /** Number of listeners of `event`. */
  count(event: keyof Events): number {
    return this.#listeners?.get(event)?.entries.size ?? 0;
  }

  /** Total number of listeners. */
  get size(): number {
    let n = 0;
    if (this.#listeners) { for (const s of this.#listeners.values()) n += s.entries.size; }
    return n;
  }

  /** Calls every listener of `event` in subscription order; errors go to the error handler. */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const subscribers = this.#listeners?.get(event);
    if (subscribers === undefined) return;
    // the list is never changed in place: a change during the emit makes a new one for the next emit
    const list = subscribers.list ??= [...subscribers.entries];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i].listener(...args);
      } catch (error) {
        try {
          this.#onError(error, String(event));
        } catch {
          // an error handler that throws must not break the emitter either
        }
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    if (!this.#listeners) return;
    const events = [...this.#listeners.keys()];
    this.#listeners = undefined;
    for (const e of events) this.#onChange?.(e, 0);
  }
}
