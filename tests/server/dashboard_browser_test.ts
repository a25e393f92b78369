// The dashboard in a real browser (Debian's chromium driven by playwright-core): the page loads, shows the
// configurations, and follows the event stream when the world changes; it shows reachability per access point
// (a captive-portal badge) and the default route's. Without chromium the test is skipped
// with the reason printed, except under CI=true, where that is a failure.
import assert from "node:assert/strict";
import { serve } from "../../server/mod.ts";
import { makeWorld } from "./_helpers.ts";
import { serveFake } from "./_fake_daemon.ts";

const CHROMIUM = "/usr/bin/chromium";
const ci = Deno.env.get("CI") === "true";
let missing: string | undefined;
try {
  await Deno.stat(CHROMIUM);
} catch {
  missing = `${CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium)`;
}
if (missing && !ci) console.log(`dashboard browser test: skipped: ${missing}`);

const BROWSER_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Headless chromium with a fresh user-data-dir under `dir` (playwright takes it as the persistent context's). */
async function launch(dir: string) {
  // Imported here so that the rest of the suite never loads it. (Root deno.json could map "playwright-core".)
  // deno-lint-ignore no-import-prefix
  const { chromium } = await import("npm:playwright-core@1.65.1");
  return await chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    args: BROWSER_ARGS,
  });
}

Deno.test({
  name: "the dashboard shows the configurations and updates when the world changes",
  ignore: missing !== undefined && !ci,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(`CI=true and ${missing}`);
    const dir = await Deno.makeTempDir({ prefix: "netsession-browser-" });
    const server = await serve({
      world: makeWorld(),
      port: 0,
      socket: `${dir}/daemon.sock`,
      tokenFile: `${dir}/token`,
      realtime: true,
      lively: false,
      log: () => {},
    });
    const browser = await launch(dir);
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e: Error) => problems.push(e.message));
      // Signed in through the one-time link serve printed (it sets the cookie and opens the dashboard).
      await page.goto(server.signInUrl!);
      assert.equal(new URL(page.url()).pathname, "/");
      const row = (id: string) => page.locator(`#configurations tr[data-id="${id}"]`);
      await row("wlan").waitFor({ timeout: 10_000 });
      for (const id of ["wlan", "lte", "far", "internet"]) assert.equal(await row(id).count(), 1, id);
      assert.equal(await row("wlan").locator(".state").textContent(), "discovered");
      await page.locator("#stream.on").waitFor({ timeout: 10_000 });

      // The world changes behind the page's back: the page follows the event stream.
      await server.daemon.exclusive(() => server.daemon.world!.setSignal("wlan", 0));
      await row("wlan").locator(".state", { hasText: /^defined$/ }).waitFor({ timeout: 10_000 });
      await page.locator('#timeline li[data-type="configuration-changed"]').first().waitFor({
        timeout: 10_000,
      });

      // The page's own controls work through its cookie (no token in the page): bring LTE up with its "up" button.
      await row("lte").locator('button[data-action="link-up"]').click();
      await row("lte").locator(".state", { hasText: /^active$/ }).waitFor({ timeout: 10_000 });
      assert.equal(server.daemon.world!.isUp("lte"), true);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the dashboard shows each access point's reachability, a captive-portal badge, and the default route's",
  ignore: missing !== undefined && !ci,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(`CI=true and ${missing}`);
    const dir = await Deno.makeTempDir({ prefix: "netsession-browser-" });
    // The core's FakeDriver: it can put an access point behind a captive portal (the simulator cannot yet).
    const f = await serveFake();
    const browser = await launch(dir);
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e: Error) => problems.push(e.message));
      await page.goto(`${f.url}/`);
      const reach = (id: string) => page.locator(`#configurations tr[data-id="${id}"] td.reach`);
      await reach("wlan").waitFor({ timeout: 10_000 });
      assert.equal(await reach("wlan").textContent(), "disconnected");
      assert.equal(await page.locator("#reachability").textContent(), "disconnected");
      assert.equal(await page.locator("#portal").isVisible(), false);
      await page.locator("#stream.on").waitFor({ timeout: 10_000 });

      await f.daemon.openSession({ configuration: "internet", client: "app" });
      await reach("wlan").and(page.locator('[data-reachability="online"]')).waitFor({ timeout: 10_000 });
      await page.locator("#reachability", { hasText: /^online$/ }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator("#medium").textContent(), "wifi");

      // The world changes: WLAN now ends at a sign-in page.
      f.driver.setReach("wlan", "local", true);
      await reach("wlan").locator(".badge.portal", { hasText: "captive portal" }).waitFor({
        timeout: 10_000,
      });
      assert.match((await reach("wlan").textContent())!, /^local/);
      assert.match((await reach("internet").textContent())!, /^local.*captive portal/);
      assert.equal(await reach("lte").locator(".badge").count(), 0);
      await page.locator("#portal").waitFor({ state: "visible", timeout: 10_000 });
      assert.equal(await page.locator("#reachability").textContent(), "local");
      await page.locator('#timeline li[data-type="session-reachability"]', { hasText: "captive portal" })
        .first()
        .waitFor({ timeout: 10_000 });

      f.driver.setReach("wlan", "online", false); // signed in
      await page.locator("#portal").waitFor({ state: "hidden", timeout: 10_000 });
      assert.equal(await reach("wlan").locator(".badge").count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await f.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
