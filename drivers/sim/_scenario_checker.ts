// Internal: the field checks of the scenario reader; each failure is a ScenarioError at a path.
import { show } from "./_checks.ts";
import { ScenarioError } from "./scenario_error.ts";

export type Json = unknown;
export type Obj = Record<string, Json>;
export const MAX_STEPS = 2_000_000;

export class Checker {
  constructor(readonly known: Set<string>, readonly aps: Set<string>) {}
  step?: number;
  at?: number;

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
  newId(v: Json, path: string): string {
    const id = this.str(v, path)!;
    if (this.known.has(id)) this.fail(path, `'${id}' already exists; pick another id`);
    return id;
  }
}
