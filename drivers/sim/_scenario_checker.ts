// Internal: the field checks of the scenario reader; each failure is a ScenarioError at a path.
import { BEARER_TYPES, REACHABILITIES } from "@netsession/core";
import { show } from "./_checks.ts";
import { ScenarioError, type ScenarioIssue } from "./scenario_error.ts";

export type Json = unknown;
export type Obj = Record<string, Json>;
export const MAX_STEPS = 2_000_000;
/** At most this many problems are listed. */
export const MAX_ISSUES = 50;

export class Checker {
  constructor(readonly known: Set<string>, readonly aps: Set<string>) {}
  step?: number;
  at?: number;
  /** The declared processes (none declared: the one default process). */
  processes: Set<string> = new Set();

  /** Every problem found so far. */
  readonly issues: ScenarioIssue[] = [];
  /** Every identifier the world has or a step adds (sessions may name one added later). */
  readonly ever: Set<string> = new Set();

  /** Records a problem at `path` and abandons the check in progress (see {@linkcode guard}). */
  fail(path: string, message: string): never {
    this.note(path, message);
    throw new ScenarioError(path, message, this.step, this.at);
  }
  /** Records a problem at `path`; the check goes on. */
  note(path: string, message: string): void {
    if (this.issues.length === MAX_ISSUES) throw new TooMany();
    this.issues.push({ path, message, step: this.step, at: this.at });
  }
  /** Runs one check; a problem it found is recorded and the next check runs. */
  guard<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      if (error instanceof ScenarioError) return undefined;
      throw error;
    }
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
        this.note(`${path}.${k}`, `unknown field; expected one of ${fields.join(", ")}`);
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
    this.ever.add(id);
    if (this.known.has(id)) this.fail(path, `'${id}' already exists; pick another id`);
    return id;
  }
}

/** Thrown when {@linkcode MAX_ISSUES} problems were found: the check stops there. */
export class TooMany extends Error {}

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

/** Where each value of a JSON text starts: JSON path (as the checks name them) → offset. */
export type Positions = Map<string, number>;

/** A JSON syntax error at `offset`. */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/**
 * Scans JSON text (strictly, as `JSON.parse` reads it) and records where each value starts, by path:
 * `(root)`, `steps`, `steps[2]`, `steps[2].signal`. Throws a {@linkcode JsonSyntaxError} at the first fault.
 */
export function jsonPositions(text: string): Positions {
  const out: Positions = new Map();
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const bad = (what: string): never => {
    throw new JsonSyntaxError(
      i >= text.length
        ? `unexpected end of the text; expected ${what}`
        : `expected ${what}, got ${JSON.stringify(text[i])}`,
      i,
    );
  };
  const str = (): string => {
    const start = i;
    if (text[i] !== '"') bad("a string");
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      else if (text.charCodeAt(i) < 0x20) bad("no control character in a string");
      i++;
    }
    if (i >= text.length) {
      i = start;
      throw new JsonSyntaxError("unterminated string", start);
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      throw new JsonSyntaxError("bad escape in a string", start);
    }
  };
  const value = (path: string): void => {
    ws();
    out.set(path, i);
    const c = text[i];
    const child = (k: string) => path === "(root)" ? k : `${path}.${k}`;
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        const key = str();
        ws();
        if (text[i] !== ":") bad("':' after a key");
        i++;
        value(child(key));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return void i++;
        bad("',' or '}' after a value in an object");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0;; n++) {
        value(`${path === "(root)" ? "" : path}[${n}]`);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        bad("',' or ']' after a value in an array");
      }
    }
    if (c === '"') return void str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) bad("a value (object, array, string, number, true, false or null)");
    i += m![0].length;
  };
  value("(root)");
  ws();
  if (i < text.length) bad("the end of the text after the value");
  return out;
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf("\n"); k >= 0 && k < offset; k = text.indexOf("\n", k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Where `path` is (or the nearest enclosing value that is there). */
export function positionOf(positions: Positions, path: string): number | undefined {
  for (let p = path.replace(/^\(root\)\./, ""); p !== "";) {
    const at = positions.get(p);
    if (at !== undefined) return at;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut > 0 ? p.slice(0, cut) : "";
  }
  return positions.get("(root)");
}

/** The error listing `issues`, each at its line:column in `text` (when the scenario was text). */
export function scenarioError(found: readonly ScenarioIssue[], text: string | undefined): ScenarioError {
  let issues = [...found];
  if (text !== undefined) {
    const positions = jsonPositions(text);
    issues = issues.map((i) => {
      const offset = positionOf(positions, i.path);
      return offset === undefined ? i : { ...i, ...lineColumn(text, offset) };
    });
  }
  if (found.length >= MAX_ISSUES) {
    issues.push({ path: "(root)", message: `stopped after ${MAX_ISSUES} problems; fix these first` });
  }
  const first = issues[0];
  return new ScenarioError(first.path, first.message, first.step, first.at, issues);
}

/** Bad JSON: the scanner's line:column and what it expected there. */
export function syntaxError(text: string, error: Error): ScenarioError {
  try {
    jsonPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const message = `not valid JSON: ${e.message}`;
      return new ScenarioError("(root)", message, undefined, undefined, [
        { path: "(root)", message, ...lineColumn(text, e.offset) },
      ]);
    }
  }
  return new ScenarioError("(root)", `not valid JSON: ${error.message}`);
}
