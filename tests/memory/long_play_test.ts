// A long play holds what it is made of, not what it has done: its repeats are not expanded into a list, and
// events are counted, not kept, where no expectation reads them. Measured in a process of its own (with
// --expose-gc) at the 20,000th and the 200,000th step of one play, against the heap before it: before the
// player went through its steps as it reached them, it held its steps as a list from the start, about 50
// bytes a step (10 MB here); now what it holds is a few hundred KiB (the code compiled meanwhile, the heap's
// noise). The bounds leave room for that and none for a list of the steps or a log of every event.
import assert from "node:assert/strict";

Deno.test("a 200,000-step play holds less than 2 MB at its 20,000th step, and no more at its end", async () => {
  const script = new URL("./_long_play.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", script, "200000"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { held } = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const early = held["20000"], grown = held["200001"] - held["20000"];
  assert.ok(early < 2 * 1024 * 1024, `at its 20,000th step the play held ${kib(early)}`);
  assert.ok(grown < 2 * 1024 * 1024, `the play held ${kib(grown)} more at its end than at its 20,000th step`);
});
