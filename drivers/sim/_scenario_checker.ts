// Internal: the field checks of the scenario reader; each failure is a ScenarioError at a path.
import { BEARER_TYPES, REACHABILITIES } from "@netsession/core";
import { show } from "./_checks.ts";
import { ScenarioError } from "./scenario_error.ts";

export type Json = unknown;
export type Obj = Record<string, Json>;
export const MAX_STEPS = 2_000_000;

export class Checker {
  constructor(readonly known: Set<string>, readonly aps: Set<string>) {}
  step?: number;
  at?: number;
  /** The declared processes (none declared: the one default process). */
  processes: Set<string> = new Set();

  fail(path: string, message: string): never {
    throw new ScenarioError(path, message, this.step, this.at);
  }
  obj(v: Json, path: string): Obj {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      this.fail(path, `expected an object, got ${show(v)}`);
    }
    return v as Obj;
  }
  str(v: Json, path: string, optional = false): string | undefined {
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || v === "") this.fail(path, `expected a non-empty string, got ${show(v)}`);
    return v;
  }
  num(v: Json, path: string, lo: number, hi: number, optional = false): number | undefined {
    if (v === undefined && optional) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
      this.fail(path, `expected a number ${lo}..${hi === Infinity ? "" : hi}, got ${show(v)}`);
    }
    return v;
  }
  bool(v: Json, path: string): void {
    if (v !== undefined && typeof v !== "boolean") this.fail(path, `expected true or false, got ${show(v)}`);
  }
  oneOf(v: Json, allowed: readonly string[], path: string, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== "string" || !allowed.includes(v)) {
      this.fail(path, `expected one of ${allowed.join(", ")}, got ${show(v)}`);
    }
  }
  listOf(v: Json, allowed: readonly string[], path: string, optional = false): void {
    if (v === undefined && optional) return;
    if (!Array.isArray(v)) this.fail(path, `expected an array of ${allowed.join(" | ")}, got ${show(v)}`);
    v.forEach((x, i) => this.oneOf(x, allowed, `${path}[${i}]`));
  }
  only(o: Obj, fields: readonly string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (!fields.includes(k)) {
        this.fail(`${path}.${k}`, `unknown field; expected one of ${fields.join(", ")}`);
      }
    }
  }
  knownId(v: Json, path: string, accessPointOnly = false): string {
    const id = this.str(v, path)!;
    const set = accessPointOnly ? this.aps : this.known;
    if (!set.has(id)) {
      this.fail(
        path,
        `unknown ${accessPointOnly ? "access point" : "configuration"} '${id}'; known: ${
          [...set].join(", ") || "none"
        }`,
      );
    }
    return id;
  }
  /** A whole number of milliseconds ≥ 0, if given. */
  ms(v: Json, path: string): void {
    if (v === undefined) return;
    if (!Number.isInteger(v) || (v as number) < 0) {
      this.fail(path, `expected a whole number of milliseconds ≥ 0, got ${show(v)}`);
    }
  }
  newId(v: Json, path: string): string {
    const id = this.str(v, path)!;
    if (this.known.has(id)) this.fail(path, `'${id}' already exists; pick another id`);
    return id;
  }
}

/** `setDataBudget`: a declared process, an access point, a positive budget (or null) and a warning level. */
export function checkProcessStep(c: Checker, s: Obj, path: string): void {
  c.only(s, ["at", "action", "process", "id", "bytes", "warnAt"], path);
  if (s.process !== undefined) {
    const proc = c.str(s.process, `${path}.process`)!;
    if (!c.processes.has(proc)) {
      c.fail(`${path}.process`, `unknown process '${proc}'; declare it in "processes"`);
    }
  }
  c.knownId(s.id, `${path}.id`, true);
  if (s.bytes === null) {
    if (s.warnAt !== undefined) {
      c.fail(`${path}.warnAt`, "a removed budget (bytes null) has no warning level");
    }
    return;
  }
  if (typeof s.bytes !== "number" || !Number.isFinite(s.bytes) || s.bytes <= 0) {
    c.fail(
      `${path}.bytes`,
      `expected a positive number of bytes, or null to remove the budget, got ${show(s.bytes)}`,
    );
  }
  c.num(s.warnAt, `${path}.warnAt`, 0, 1, true);
}

/** A NetworkNeed: each field as `manager.configurationFor(need)` takes it. */
export function checkNeed(c: Checker, v: Json, path: string): void {
  const n = c.obj(v, path);
  c.only(n, ["bearers", "notMetered", "reachability", "minSignal", "timeoutMs", "name"], path);
  c.listOf(n.bearers, BEARER_TYPES, `${path}.bearers`, true);
  c.bool(n.notMetered, `${path}.notMetered`);
  c.oneOf(n.reachability, REACHABILITIES, `${path}.reachability`, true);
  c.num(n.minSignal, `${path}.minSignal`, 0, 100, true);
  c.ms(n.timeoutMs, `${path}.timeoutMs`);
  c.str(n.name, `${path}.name`, true);
}
