// `npm start`: runs the daemon with the deno binary of the npm package directly, so that a SIGINT or
// SIGTERM sent to this process (npm passes them on) reaches the daemon. (The package's own `deno` wrapper
// waits with spawnSync and does not pass signals on: stopping it would leave the daemon serving.)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("deno/package.json"));
const bundled = join(packageDir, process.platform === "win32" ? "deno.exe" : "deno");
const deno = existsSync(bundled) ? bundled : require("deno/install_api.cjs").runInstall();
const args = ["run", "-A", "scripts/netsession.ts", "serve", ...process.argv.slice(2)];
const child = spawn(deno, args, {
  stdio: "inherit",
  cwd: join(dirname(new URL(import.meta.url).pathname), ".."),
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
// If whoever started us is gone (npm stopped without passing the signal on), stop the daemon too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) child.kill("SIGTERM");
}, 500).unref();
child.on(
  "exit",
  (code, signal) => process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)),
);
