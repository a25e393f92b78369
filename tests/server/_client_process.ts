// A client application process for tests/server/client_crash_test.ts: opens a session through the daemon
// (RemoteDriver), prints "opened", then waits until it is killed.
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { RemoteDriver } from "../../server/mod.ts";

const [url, token, configuration] = Deno.args;
const manager = await NetworkConfigurationManager.create(
  new RemoteDriver({ url, token, clientId: "crasher" }),
);
const session = manager.createSession(manager.configurationFromIdentifier(configuration));
if (!(await session.open())) {
  console.error(`open failed: ${session.errorString}`);
  Deno.exit(1);
}
console.log("opened");
await new Promise(() => {}); // until SIGKILL
