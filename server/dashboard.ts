/**
 * The dashboard: one static HTML page with inline script (no build step). It
 * reads the JSON API, follows `GET /v1/events` (Server-Sent Events), shows
 * how far each configuration and the default route reach (a "captive portal"
 * badge where there is one), and for the simulator offers buttons that change
 * the world.
 *
 * No page carries the token. A browser signs in with the one-time link
 * `netsession serve` prints, which sets an `HttpOnly`, `SameSite=Strict`
 * cookie; its requests then carry the cookie by themselves. Without it the
 * page is read-only.
 *
 * @module
 */

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
<style>
  :root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d232a; background: #f5f6f8; }
  body { margin: 0; padding: 1rem 1.5rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
  .bar { display: flex; gap: 1.2rem; flex-wrap: wrap; color: #4a5560; }
  .pill { padding: .1rem .5rem; border-radius: .8rem; background: #dde3ea; }
  .pill.on { background: #c7efd2; } .pill.off { background: #f6d3d3; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e6e9ed; vertical-align: middle; }
  th { font-weight: 600; background: #eef1f4; }
  .state-active { color: #11772f; font-weight: 600; } .state-discovered { color: #1f5fa8; }
  .state-defined { color: #8a8f95; }
  .sig { display: inline-block; width: 60px; height: 8px; background: #e3e6ea; border-radius: 4px; vertical-align: middle; }
  .sig > i { display: block; height: 100%; background: #3f8f5a; border-radius: 4px; }
  button { font: inherit; padding: .1rem .45rem; margin: 0 .1rem; }
  input[type=range] { width: 90px; vertical-align: middle; }
  #timeline { list-style: none; padding: 0; margin: 0; max-height: 18rem; overflow: auto; background: #fff; }
  #timeline li { padding: .2rem .5rem; border-bottom: 1px solid #eef0f2; font-family: ui-monospace, monospace; font-size: 12px; }
  .muted { color: #7a848e; } .error { color: #a21c1c; }
  .reach-online { color: #11772f; } .reach-local, .reach-site { color: #9a6a00; } .reach-disconnected { color: #8a8f95; }
  .badge { margin-left: .3rem; padding: 0 .4rem; border-radius: .6rem; font-size: 12px; background: #f9e2b0; color: #6b4500; }
  form > * { margin-right: .4rem; }
</style>
</head>
<body>
<h1>netsession daemon</h1>
<div class="bar">
  <span>driver <b id="driver">?</b></span>
  <span id="online" class="pill">offline</span>
  <span>default <b id="default">-</b></span>
  <span>reachability <b id="reachability">-</b> <span id="portal" class="badge" hidden>captive portal</span></span>
  <span>medium <b id="medium">-</b></span>
  <span>events <b id="seq">0</b></span>
  <span id="stream" class="pill off">connecting…</span>
  <span id="mode" class="muted"></span>
</div>
<p id="message" class="error" role="status"></p>

<h2>Configurations</h2>
<table id="configurations">
  <thead><tr><th>id</th><th>name</th><th>type</th><th>state</th><th>bearer</th><th>signal</th><th>reachability</th><th>holds</th>
  <th>rx/s</th><th>tx/s</th><th>actions</th></tr></thead>
  <tbody></tbody>
</table>
<form id="add-ap" hidden>
  <b>add access point</b>
  <input name="id" placeholder="id" required pattern="[A-Za-z0-9][A-Za-z0-9._:@~+\\-]*" size="12">
  <select name="bearer"><option>wlan</option><option>ethernet</option><option>lte</option><option>5g</option><option>3g</option></select>
  <input name="signal" type="number" min="0" max="100" value="60" size="4">
  <label><input name="metered" type="checkbox"> metered</label>
  <button type="submit">add</button>
  <label><input id="policy" type="checkbox"> no-background-traffic policy</label>
</form>

<h2>Sessions</h2>
<table id="sessions">
  <thead><tr><th>id</th><th>client</th><th>configuration</th><th>state</th><th>access point</th><th>received</th>
  <th>sent</th><th>active</th><th></th></tr></thead>
  <tbody></tbody>
</table>

<h2>Timeline</h2>
<ul id="timeline"></ul>

<script nonce="${nonce}">
"use strict";
const token = document.querySelector('meta[name="netsession-signed-in"]').content === "1";
let key = "";
const sim = document.querySelector('meta[name="netsession-sim"]').content === "1";
const me = "dashboard-" + Math.random().toString(36).slice(2, 10);
const $ = (s) => document.querySelector(s);
const stats = new Map();
let refreshTimer = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function rate(n) { return n > 1e6 ? (n / 1e6).toFixed(1) + " MB" : n > 1e3 ? (n / 1e3).toFixed(1) + " kB" : n + " B"; }
function say(text) { $("#message").textContent = text; }

async function api(method, path, body) {
  const headers = { "X-Netsession-Client": me };
  if (key) headers["X-Netsession-Client-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  key = res.headers.get("X-Netsession-Client-Key") || key;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) { say((json.error && json.error.message) || res.status + " " + res.statusText); throw new Error(res.status); }
  say("");
  return json;
}
const act = (method, path, body) => () => api(method, path, body).then(schedule, () => {});

function renderConfigurations(list) {
  const body = $("#configurations tbody");
  body.replaceChildren(...list.map((c) => {
    const s = stats.get(c.identifier) || { rxRate: c.rxRate, txRate: c.txRate };
    const actions = el("td", { class: "actions" });
    if (token) {
      if (c.state === "discovered" || c.state === "active") {
        actions.append(el("button", { "data-action": "open", onclick: act("POST", "/v1/sessions", { configuration: c.identifier, client: me }) }, "open session"));
      }
      if (sim && c.type === "internet-access-point") {
        const slider = el("input", { type: "range", min: "0", max: "100", value: String(c.signal ?? 0), "data-action": "signal",
          onchange: (e) => api("POST", "/v1/world/signal", { id: c.identifier, signal: Number(e.target.value) }).then(schedule, () => {}) });
        actions.append(slider,
          el("button", { "data-action": "out-of-range", onclick: act("POST", "/v1/world/signal", { id: c.identifier, signal: 0 }) }, "out of range"),
          el("button", { "data-action": "link-up", onclick: act("POST", "/v1/world/access-points/" + encodeURIComponent(c.identifier) + "/link", { up: true }) }, "up"),
          el("button", { "data-action": "link-down", onclick: act("POST", "/v1/world/access-points/" + encodeURIComponent(c.identifier) + "/link", { up: false }) }, "down"),
          el("button", { "data-action": "remove", onclick: act("DELETE", "/v1/world/access-points/" + encodeURIComponent(c.identifier)) }, "remove"));
      }
    }
    const signal = c.signal === null || c.signal === undefined ? el("span", { class: "muted" }, "-")
      : el("span", { class: "sig", title: String(c.signal) }, el("i", { style: "width:" + c.signal + "%" }));
    return el("tr", { "data-id": c.identifier },
      el("td", {}, c.identifier + (c.isDefault ? " ★" : "")), el("td", {}, c.name), el("td", {}, c.type),
      el("td", { class: "state state-" + c.state }, c.state), el("td", { class: "bearer" }, c.bearerTypeName || "-"),
      el("td", { class: "signal", "data-signal": String(c.signal ?? "") }, signal, " ", c.signal ?? ""),
      el("td", { class: "reach reach-" + c.reachability, "data-reachability": c.reachability },
        c.reachability, c.behindCaptivePortal ? el("span", { class: "badge portal" }, "captive portal") : ""),
      el("td", { class: "holds" }, c.holds), el("td", { class: "rx" }, rate(s.rxRate || 0)),
      el("td", { class: "tx" }, rate(s.txRate || 0)), actions);
  }));
}

function renderSessions(list) {
  const body = $("#sessions tbody");
  body.replaceChildren(...list.map((s) => el("tr", { "data-id": s.id },
    el("td", {}, s.id), el("td", {}, s.client + (s.client === me ? " (this page)" : "")), el("td", {}, s.configuration),
    el("td", { class: "state" }, s.state), el("td", {}, s.ActiveConfiguration || "-"), el("td", {}, rate(s.bytesReceived)),
    el("td", {}, rate(s.bytesWritten)), el("td", {}, s.activeTime + " s"),
    el("td", {}, token && s.client === me
      ? el("button", { "data-action": "close", onclick: act("DELETE", "/v1/sessions/" + encodeURIComponent(s.id)) }, "close") : ""))));
}

async function refresh() {
  refreshTimer = 0;
  try {
    const [cfg, ses, st] = await Promise.all([api("GET", "/v1/configurations"), api("GET", "/v1/sessions"), api("GET", "/v1/status")]);
    renderConfigurations(cfg.configurations);
    renderSessions(ses.sessions);
    $("#driver").textContent = st.driver;
    $("#default").textContent = st.defaultConfiguration || "-";
    $("#reachability").textContent = st.reachability || "-";
    $("#reachability").className = "reach-" + st.reachability;
    $("#portal").hidden = !st.behindCaptivePortal;
    $("#medium").textContent = (st.transportMedium || "-") + (st.isMetered ? ", metered" : "");
    $("#online").textContent = st.online ? "online" : "offline";
    $("#online").className = "pill " + (st.online ? "on" : "off");
    document.body.dataset.seq = String(cfg.seq);
  } catch { /* shown by api() */ }
}
function schedule() { if (!refreshTimer) refreshTimer = setTimeout(refresh, 120); }

function describe(e) {
  switch (e.type) {
    case "configuration-changed": case "configuration-added":
      return e.type.replace("configuration-", "") + " " + e.configuration.identifier + ": " + e.configuration.state +
        (e.configuration.signal !== undefined ? " (signal " + e.configuration.signal + ")" : "") +
        (e.configuration.reachability ? ", " + e.configuration.reachability : "") +
        (e.configuration.captivePortal ? " (captive portal)" : "");
    case "configuration-removed": return "removed " + e.identifier;
    case "usage-policies-changed": return "usage policies: " + (e.policies.join(", ") || "none");
    case "default-changed": return "default: " + (e.identifier || "none");
    case "online-changed": return e.online ? "online" : "offline";
    case "session-state": return e.session + " (" + e.client + ") " + e.state;
    case "session-opened": return e.session + " (" + e.client + ") opened on " + e.activeConfiguration;
    case "session-closed": return e.session + " (" + e.client + ") closed" + (e.error ? ": " + e.error : "");
    case "session-reachability":
      return e.session + " (" + e.client + ") reaches " + e.reachability + (e.behindCaptivePortal ? " (captive portal)" : "");
    case "session-error": return e.session + " error " + e.error + ": " + e.errorString;
    case "losing": return e.identifier + " expected to go in " + e.msToLive + " ms";
    case "session-losing": return e.session + " (" + e.client + ") losing " + e.activeConfiguration + " in " + e.msToLive + " ms";
    case "session-data-budget":
      return e.session + " (" + e.client + ") data budget of " + e.identifier + (e.exhausted ? " used up: " : " at ") + e.used + "/" + e.bytes + " bytes";
    case "roaming": return "roaming " + e.kind + " " + e.session + (e.from ? " from " + e.from : "") + (e.to ? " to " + e.to : "");
    case "client-expired": return "client " + e.client + " expired; closed " + e.sessions.join(", ");
    case "gap": return "missed events " + e.from + ".." + e.to + "; reloaded";
    case "shutdown": return "daemon shutting down: " + e.reason;
    default: return e.type;
  }
}

async function connect() {
  // Signed in: the page is a client (its stream holds its sessions), bound to the key its heartbeat got.
  if (token) await api("POST", "/v1/clients/" + encodeURIComponent(me) + "/heartbeat", {}).catch(() => {});
  const source = new EventSource(token && key
    ? "/v1/events?client=" + encodeURIComponent(me) + "&key=" + encodeURIComponent(key) : "/v1/events");
  source.onopen = () => { $("#stream").textContent = "live"; $("#stream").className = "pill on"; };
  source.onerror = () => { $("#stream").textContent = "reconnecting…"; $("#stream").className = "pill off"; };
  source.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.seq) $("#seq").textContent = e.seq;
    if (e.type === "hello" || e.type === "keep-alive") return;
    if (e.type === "statistics") {
      stats.clear();
      for (const [id, s] of Object.entries(e.statistics)) stats.set(id, s);
      for (const [id, s] of stats) {
        const row = document.querySelector('#configurations tr[data-id="' + CSS.escape(id) + '"]');
        if (row) { row.querySelector(".rx").textContent = rate(s.rxRate); row.querySelector(".tx").textContent = rate(s.txRate); }
      }
      return;
    }
    const line = el("li", { "data-type": e.type }, new Date(e.time || Date.now()).toLocaleTimeString() + "  " + describe(e));
    $("#timeline").prepend(line);
    while ($("#timeline").children.length > 200) $("#timeline").lastChild.remove();
    if (e.type === "shutdown") source.close();
    schedule();
  };
}

$("#mode").textContent = token ? (sim ? "simulator: controls enabled" : "") : "read-only (sign in with the link netsession serve printed)";
if (token && sim) {
  $("#add-ap").hidden = false;
  $("#add-ap").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    api("POST", "/v1/world/access-points", { id: f.get("id"), bearer: f.get("bearer"), signal: Number(f.get("signal")), metered: f.get("metered") === "on" })
      .then(() => { ev.target.reset(); schedule(); }, () => {});
  });
  $("#policy").addEventListener("change", (ev) =>
    api("POST", "/v1/world/policies", { policies: ev.target.checked ? ["no-background-traffic"] : [] }).catch(() => {}));
}
refresh();
connect();
</script>
</body>
</html>
`;
}
