/**
 * The dashboard: one static HTML page with inline script (no build step). It
 * reads the JSON API and follows `GET /v1/events` (Server-Sent Events) from
 * the daemon's replay buffer, so the timeline and the per-access-point traffic
 * graphs (inline SVG from `statistics` events) are filled on load. It shows
 * how far each configuration and the default route reach (a "captive portal"
 * badge where there is one), metering, data budgets and usage policies, the
 * holds of service networks (their members' sum), and sessions that wait for a
 * roaming decision (highlighted; the page's own get migrate/ignore, then
 * accept/reject buttons). For the simulator it offers buttons that change the
 * world. The script is in `dashboard_script.ts`, the style sheet and icon in
 * `dashboard_style.ts`; below 1100 px rows become cards.
 *
 * No page carries the token. A browser signs in with the one-time link
 * `netsession serve` prints, which sets an `HttpOnly`, `SameSite=Strict`
 * cookie; its requests then carry the cookie by themselves. Without it the
 * page is read-only.
 *
 * @module
 */

import { DASHBOARD_SCRIPT } from "./dashboard_script.ts";
import { DASHBOARD_CSS, FAVICON_DATA_URL } from "./dashboard_style.ts";

/**
 * Options of {@linkcode dashboardHtml}.
 *
 * @example
 * ```ts
 * import type { DashboardOptions } from "@netsession/server";
 * const o: DashboardOptions = { nonce: "abc123", sim: true };
 * ```
 */
export interface DashboardOptions {
  /** Whether the browser is signed in (its cookie authorizes the page's requests); else the page is read-only. */
  readonly signedIn?: boolean;
  /** CSP nonce of the inline script. */
  readonly nonce: string;
  /** Whether to show the simulator's controls. */
  readonly sim: boolean;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The dashboard page.
 *
 * @example
 * ```ts
 * import { dashboardHtml } from "@netsession/server";
 * const html = dashboardHtml({ nonce: "n0nce", sim: false });
 * console.log(html.startsWith("<!doctype html>")); // true
 * ```
 */
export function dashboardHtml(options: DashboardOptions): string {
  const nonce = escapeAttribute(options.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="netsession-signed-in" content="${options.signedIn ? "1" : ""}">
<meta name="netsession-sim" content="${options.sim ? "1" : ""}">
<title>netsession daemon</title>
<link rel="icon" type="image/svg+xml" href="${FAVICON_DATA_URL}">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<h1>netsession daemon</h1>
<div class="bar">
  <span>driver <b id="driver">?</b></span>
  <span id="online" class="pill">offline</span>
  <span>default <b id="default">-</b></span>
  <span>reachability <b id="reachability">-</b> <span id="portal" class="badge" hidden>captive portal</span></span>
  <span>medium <b id="medium">-</b></span>
  <span>policies <b id="policies">none</b></span>
  <span>events <b id="seq">0</b></span>
  <span id="stream" class="pill off">connecting…</span>
  <span id="mode" class="muted"></span>
</div>
<p id="message" class="error" role="status"></p>

<h2>Configurations</h2>
<table id="configurations">
  <thead><tr><th>id</th><th>name</th><th>type</th><th>state</th><th>bearer</th><th>signal</th><th>metered</th>
  <th>reachability</th><th>holds</th><th>traffic (5 min)</th><th>actions</th></tr></thead>
  <tbody></tbody>
</table>
<form id="add-ap" hidden>
  <b>add access point</b>
  <input name="id" placeholder="id" required pattern="[A-Za-z0-9][A-Za-z0-9._:@~+\\-]*" aria-label="id">
  <select name="bearer" aria-label="bearer"><option>wlan</option><option>ethernet</option><option>lte</option><option>5g</option><option>3g</option></select>
  <input name="signal" type="number" min="0" max="100" value="60" aria-label="signal">
  <label><input name="metered" type="checkbox"> metered</label>
  <button type="submit">add</button>
  <label><input id="policy" type="checkbox"> no-background-traffic policy</label>
</form>

<h2>Sessions</h2>
<p id="decide" class="muted" hidden><label><input id="app-roaming" type="checkbox"> sessions this page opens
ask me before they roam (migrate/ignore, then accept/reject)</label></p>
<table id="sessions">
  <thead><tr><th>id</th><th>client</th><th>configuration</th><th>state</th><th>access point</th><th>reachability</th>
  <th>received</th><th>sent</th><th>active</th><th>actions</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Timeline</h2>
<ul id="timeline"></ul>

<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
