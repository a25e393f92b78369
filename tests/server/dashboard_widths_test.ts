// The dashboard as a product, in headless chromium at 1280, 800 and 400 px, judged by what the page contains
// (elements, text, scrollWidth), not by pixels: the timeline back-filled from the daemon's replay buffer, the
// policy checkbox showing the real policy, metering, a service network's holds (its members' sum), traffic
// graphs from `statistics` events, a session that waits for a roaming decision (highlighted), no sideways
// scroll at 400 px, controls that do not stack into columns, and no failed request (the favicon). Then the
// page decides a roaming of its own session: migrate, then accept. Screenshots go to a temp dir
// (NETSESSION_SCREENSHOTS=DIR keeps them there). Skipped without chromium, except under CI=true.
import assert from "node:assert/strict";
import { serve } from "../../server/mod.ts";
import { makeWorld } from "./_helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const ci = Deno.env.get("CI") === "true";
let missing: string | undefined;
try {
  await Deno.stat(CHROMIUM);
} catch {
  missing = `${CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium)`;
}
if (missing && !ci) console.log(`dashboard widths test: skipped: ${missing}`);

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "the dashboard at 1280, 800 and 400 px: back-filled, complete, no sideways scroll, roaming decisions",
  ignore: missing !== undefined && !ci,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(`CI=true and ${missing}`);
    const dir = await Deno.makeTempDir({ prefix: "netsession-dash-" });
    const shots = Deno.env.get("NETSESSION_SCREENSHOTS") ?? dir;
    const world = makeWorld();
    world.addAccessPoint({ id: "cafe", bearer: "wlan", signal: 0 });
    world.addAccessPoint({ id: "near", bearer: "wlan", signal: 0 });
    world.addServiceNetwork({ id: "roam", members: ["cafe", "lte"] });
    world.addServiceNetwork({ id: "roam2", members: ["near", "lte"] });
    const server = await serve({
      world,
      port: 0,
      socket: `${dir}/daemon.sock`,
      tokenFile: `${dir}/token`,
      realtime: true,
      lively: false,
      log: () => {},
    });
    const d = server.daemon;
    // deno-lint-ignore no-import-prefix
    const { chromium } = await import("npm:playwright-core@1.65.1");
    const browser = await chromium.launchPersistentContext(`${dir}/profile`, {
      executablePath: CHROMIUM,
      args: ARGS,
    });
    try {
      // Before any page: two clients on the service network, traffic, the policy, and a session that waits.
      await d.openSession({ configuration: "internet", client: "app" });
      await d.openSession({ configuration: "internet", client: "app2" });
      await d.openSession({ configuration: "roam", client: "mail", roaming: "application" });
      await d.exclusive(() => world.setSignal("cafe", 90)); // mail's session now waits: migrate or ignore?
      for (let i = 0; i < 3; i++) {
        await d.exclusive(() => world.traffic("wlan", { rx: 40_000 * (i + 1), tx: 3_000 }));
        await sleep(1_100);
      }
      await d.exclusive(() => world.setUsagePolicies(["no-background-traffic"]));
      await sleep(300);

      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e: Error) => problems.push(e.message));
      page.on("console", (m: { type(): string; text(): string }) => {
        if (m.type() === "error") problems.push(m.text());
      });
      page.on("response", (r: { status(): number; url(): string }) => {
        if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(server.signInUrl!);
      for (const width of [1280, 800, 400]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/`);
        const row = (id: string) => page.locator(`#configurations tr[data-id="${id}"]`);
        await row("wlan").waitFor({ timeout: 10_000 });
        await page.locator("#stream.on").waitFor({ timeout: 10_000 });
        // Back-filled: what happened before the page was opened is on the timeline.
        await page.locator('#timeline li[data-type="usage-policies-changed"]').first().waitFor({
          timeout: 10_000,
        });
        assert.ok(await page.locator('#timeline li[data-type="session-opened"]').count() >= 3, `${width}`);
        assert.ok(await page.locator('#timeline li[data-type="roaming"]').count() >= 1, `${width}`);
        // The policy as it is, where it applies.
        await page.locator("#policy:checked").waitFor({ timeout: 10_000 });
        assert.equal(await page.locator("#policies").textContent(), "no-background-traffic");
        assert.match(
          (await row("lte").locator("td.metered").textContent())!,
          /metered.*no background traffic/,
        );
        assert.match((await row("wlan").locator("td.metered").textContent())!, /^no$/);
        // A service network holds what its members hold.
        // (wlan 2 for app and app2, lte 1 for mail through another service network)
        assert.equal(await row("internet").locator("td.holds").getAttribute("data-holds"), "3");
        assert.match(
          (await row("internet").locator("td.holds").textContent())!,
          /^3 on members, 2 sessions here$/,
        );
        assert.equal(await row("wlan").locator("td.holds").textContent(), "2");
        // Traffic graphs from the replayed statistics events.
        const spark = row("wlan").locator("svg.spark");
        assert.ok(Number(await spark.getAttribute("data-points")) >= 2, `${width}: points`);
        assert.equal(await spark.locator("polyline.rx").count(), 1);
        assert.match((await spark.getAttribute("aria-label"))!, /peak/);
        // mail's session waits for mail's decision: highlighted; no buttons here (it is not this page's).
        const waiting = page.locator("#sessions tr.waiting");
        await waiting.first().waitFor({ timeout: 10_000 });
        assert.equal(await waiting.count(), 1);
        assert.match((await waiting.textContent())!, /waiting for mail for \d+ s/);
        assert.equal(await waiting.locator("button").count(), 0);
        await page.screenshot({ path: `${shots}/dashboard-${width}.png`, fullPage: true });
        // Usable at this width: nothing scrolls sideways, the controls of a row take at most two lines.
        // (A string: this module is not type-checked with the DOM library.)
        const layout: { scrollWidth: number; lines: number[] } = await page.evaluate(`(() => {
          // Lines of controls: vertical centres more than 10 px apart (a slider is shorter than a button).
          const lines = [...document.querySelectorAll("#configurations td.actions")].map((cell) => {
            const ys = [...cell.querySelectorAll("button, input")].map((b) => {
              const r = b.getBoundingClientRect();
              return (r.top + r.bottom) / 2;
            }).sort((a, b) => a - b);
            return ys.filter((y, i) => i === 0 || y - ys[i - 1] > 10).length;
          });
          return { scrollWidth: document.documentElement.scrollWidth, lines };
        })()`);
        assert.ok(layout.scrollWidth <= width, `${width}: scrollWidth ${layout.scrollWidth}`);
        assert.ok(Math.max(...layout.lines) <= (width <= 400 ? 3 : 2), `${width}: ${layout.lines}`);
      }

      // The page's own session asks before it roams: migrate, then accept.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.locator("#app-roaming").check();
      await page.locator('#configurations tr[data-id="roam2"] button[data-action="open"]').click();
      const mine = page.locator("#sessions tr", { hasText: "(this page)" });
      await mine.locator(".state", { hasText: /^connected/ }).waitFor({ timeout: 10_000 });
      assert.equal(await mine.locator('button[data-action="migrate"]').count(), 0);
      await d.exclusive(() => world.setSignal("near", 90));
      await mine.locator(".badge.waiting", { hasText: "waiting for you" }).waitFor({ timeout: 10_000 });
      assert.match((await mine.locator("td.actions").textContent())!, /move to near\?/);
      await page.screenshot({ path: `${shots}/dashboard-decide.png`, fullPage: true });
      await mine.locator('button[data-action="migrate"]').click();
      await mine.locator('button[data-action="accept"]').waitFor({ timeout: 10_000 });
      assert.equal(await mine.locator('button[data-action="reject"]').count(), 1);
      await mine.locator('button[data-action="accept"]').click();
      await page.locator("#sessions tr.waiting", { hasText: "(this page)" }).waitFor({
        state: "detached",
        timeout: 10_000,
      });
      await mine.locator("td", { hasText: /^near$/ }).waitFor({ timeout: 10_000 });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      if (!Deno.env.get("NETSESSION_SCREENSHOTS")) await Deno.remove(dir, { recursive: true });
    }
  },
});
