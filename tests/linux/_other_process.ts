// A second application process for tests/linux/sessions_test.ts: opens a session on a connection of the lab's
// NetworkManager, prints "opened", and closes it when its standard input ends.
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";

const [busAddress, uuid] = Deno.args;
const manager = await NetworkConfigurationManager.create(new NetworkManagerDriver({ busAddress }));
const session = manager.createSession(manager.configurationFromIdentifier(uuid));
if (!(await session.open())) {
  console.error(`open failed: ${session.errorString}`);
  Deno.exit(1);
}
console.log("opened");
for await (const _ of Deno.stdin.readable) { /* wait for the parent to close stdin */ }
const closed = new Promise<void>((r) => session.on("closed", () => r()));
session.close();
await closed;
await manager.close();
Deno.exit(0);
