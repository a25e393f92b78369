// The dashboard's inline script (plain JavaScript, no build step, no libraries), kept apart from the page's
// HTML. It reads the JSON API, follows GET /v1/events from the start of the daemon's replay buffer (?since=0,
// so the timeline and the traffic graphs are back-filled on load; a reconnection resumes with Last-Event-ID),
// and, when signed in, acts through the cookie: opening and closing its sessions, roaming decisions on them,
// and, with the simulator, changing the world. It must not contain "${" or backslashes (it is a template).

/** The script's source. */
export const DASHBOARD_SCRIPT = `
"use strict";
const signedIn = document.querySelector('meta[name="netsession-signed-in"]').content === "1";
const sim = document.querySelector('meta[name="netsession-sim"]').content === "1";
const me = "dashboard-" + Math.random().toString(36).slice(2, 10);
const $ = (s) => document.querySelector(s);
const SVG = "http://www.w3.org/2000/svg";
const WINDOW_MS = 5 * 60 * 1000; // the traffic graphs show the last five minutes
let key = "";
const stats = new Map(); // access point -> latest {rxRate, txRate}
const history = new Map(); // access point -> [{t, rx, tx}] within WINDOW_MS
const pending = new Map(); // session -> {kind: "preferred" | "activated" | "started", to, since}
let policies = [];
let sessions = [];
let configurations = [];
let refreshTimer = 0;
let seenEvent = false;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function td(label, attrs, ...children) { return el("td", { "data-label": label, ...attrs }, ...children); }
function bytes(n) { return n >= 1e9 ? (n / 1e9).toFixed(1) + " GB" : n >= 1e6 ? (n / 1e6).toFixed(1) + " MB" : n >= 1e3 ? (n / 1e3).toFixed(1) + " kB" : n + " B"; }
function rate(n) { return bytes(Math.round(n || 0)) + "/s"; }
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
const act = (method, path, body, then) => () => api(method, path, body).then((r) => { if (then) then(r); schedule(); }, () => {});

// ---------------------------------------------------------------- traffic graphs

function record(time, statistics) {
  for (const id of new Set([...history.keys(), ...Object.keys(statistics)])) {
    const s = statistics[id];
    const list = history.get(id) || [];
    list.push({ t: time, rx: s ? s.rxRate : 0, tx: s ? s.txRate : 0 });
    while (list.length && list[0].t < time - WINDOW_MS) list.shift();
    history.set(id, list);
  }
}

function sparkline(id) {
  const list = history.get(id) || [];
  const now = Math.max(Date.now(), list.length ? list[list.length - 1].t : 0);
  const peak = Math.max(1, ...list.map((p) => Math.max(p.rx, p.tx)));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 120 24");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("data-points", String(list.length));
  const label = list.length ? "traffic over the last 5 min, peak " + rate(peak) : "no traffic seen in the last 5 min";
  svg.setAttribute("aria-label", label);
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  svg.append(title);
  const line = (cls, points) => {
    const p = document.createElementNS(SVG, "polyline");
    p.setAttribute("class", cls);
    p.setAttribute("points", points);
    svg.append(p);
  };
  line("base", "0,23 120,23");
  const x = (t) => (120 * (t - (now - WINDOW_MS)) / WINDOW_MS).toFixed(1);
  const y = (v) => (23 - 21 * v / peak).toFixed(1);
  if (list.length) {
    line("rx", list.map((p) => x(p.t) + "," + y(p.rx)).join(" "));
    line("tx", list.map((p) => x(p.t) + "," + y(p.tx)).join(" "));
  }
  return svg;
}

function trafficCell(id) {
  const s = stats.get(id) || { rxRate: 0, txRate: 0 };
  return [sparkline(id), el("span", { class: "legend" }, el("span", { class: "rx" }, "↓ " + rate(s.rxRate)), " ",
    el("span", { class: "tx" }, "↑ " + rate(s.txRate)))];
}

function updateTraffic() {
  for (const row of document.querySelectorAll("#configurations tr[data-id]")) {
    const cell = row.querySelector("td.traffic");
    if (cell) cell.replaceChildren(...trafficCell(row.dataset.id));
  }
}

// ---------------------------------------------------------------- configurations

function meteredCell(c) {
  const parts = [];
  if (c.metered) parts.push(el("span", { class: "badge metered" }, "metered"));
  if (c.metered && policies.includes("no-background-traffic")) parts.push(" ", el("span", { class: "badge policy" }, "no background traffic"));
  if (c.dataBudget) {
    const b = c.dataBudget;
    const share = Math.min(1, b.used / b.bytes);
    const cls = "budget" + (share >= 1 ? " out" : share >= b.warnAt ? " low" : "");
    parts.push(" ", el("span", { class: cls, title: "data budget" }, el("i", { style: "width:" + Math.round(share * 100) + "%" })),
      " " + bytes(b.used) + " / " + bytes(b.bytes));
  }
  return parts.length ? parts : [el("span", { class: "muted" }, "no")];
}

function holdsCell(c) {
  if (c.type !== "service-network") return td("holds", { class: "holds", "data-holds": String(c.holds) }, c.holds);
  const members = (c.children || []).map((id) => configurations.find((x) => x.identifier === id)).filter(Boolean);
  const sum = members.reduce((n, m) => n + (m.holds || 0), c.holds || 0);
  return td("holds", { class: "holds", "data-holds": String(sum), title: members.map((m) => m.identifier + ": " + m.holds).join(", ") },
    sum, el("span", { class: "muted", "data-sessions": String(c.sessions ?? 0) }, " on members, " + (c.sessions ?? 0) + " sessions here"));
}

function configurationActions(c) {
  const actions = el("td", { class: "actions", "data-label": "actions" });
  if (!signedIn) return actions;
  // Two groups that never break inside: the session and the signal, then the link's other controls.
  const first = el("span", { class: "group" });
  if (c.state === "discovered" || c.state === "active") {
    first.append(el("button", { "data-action": "open", onclick: () => openSession(c.identifier) }, "open session"));
  }
  actions.append(first);
  if (sim && c.type === "internet-access-point") {
    const ap = "/v1/world/access-points/" + encodeURIComponent(c.identifier);
    first.append(
      el("input", { type: "range", min: "0", max: "100", value: String(c.signal ?? 0), "data-action": "signal", "aria-label": "signal of " + c.identifier,
        onchange: (e) => api("POST", "/v1/world/signal", { id: c.identifier, signal: Number(e.target.value) }).then(schedule, () => {}) }));
    actions.append(el("span", { class: "group" },
      el("button", { "data-action": "out-of-range", onclick: act("POST", "/v1/world/signal", { id: c.identifier, signal: 0 }) }, "out of range"),
      el("button", { "data-action": "link-up", onclick: act("POST", ap + "/link", { up: true }) }, "up"),
      el("button", { "data-action": "link-down", onclick: act("POST", ap + "/link", { up: false }) }, "down"),
      el("button", { "data-action": "remove", onclick: act("DELETE", ap) }, "remove")));
  }
  return actions;
}

function openSession(id) {
  const roaming = $("#app-roaming").checked ? "application" : undefined;
  api("POST", "/v1/sessions", { configuration: id, client: me, roaming }).then(schedule, () => {});
}

function renderConfigurations() {
  $("#configurations tbody").replaceChildren(...configurations.map((c) => {
    const signal = c.signal === null || c.signal === undefined ? el("span", { class: "muted" }, "-")
      : el("span", { class: "sig", title: String(c.signal) }, el("i", { style: "width:" + c.signal + "%" }));
    return el("tr", { "data-id": c.identifier },
      td("id", { class: "id" }, c.identifier + (c.isDefault ? " ★" : "")), td("name", {}, c.name), td("type", { class: "type", "data-type": c.type }, c.type.replace("internet-", "").replaceAll("-", " ")),
      td("state", { class: "state state-" + c.state }, c.state), td("bearer", { class: "bearer" }, c.bearerTypeName || "-"),
      td("signal", { class: "signal", "data-signal": String(c.signal ?? "") }, signal, " ", c.signal ?? ""),
      td("metered", { class: "metered", "data-metered": c.metered ? "1" : "" }, ...meteredCell(c)),
      td("reachability", { class: "reach reach-" + c.reachability, "data-reachability": c.reachability },
        c.reachability, c.behindCaptivePortal ? el("span", { class: "badge portal" }, "captive portal") : ""),
      holdsCell(c), td("traffic", { class: "traffic" }, ...trafficCell(c.identifier)), configurationActions(c));
  }));
}

// ---------------------------------------------------------------- sessions and roaming decisions

function waitingFor(s) {
  const p = pending.get(s.id);
  return s.roaming === "application" && p && (p.kind === "preferred" || p.kind === "activated") ? p : undefined;
}

function decide(s, action) {
  return el("button", { class: "decide", "data-action": action,
    onclick: act("POST", "/v1/sessions/" + encodeURIComponent(s.id) + "/" + action, {}, () => {
      // The events may have moved on before this answer came (migrate's activation can be quick).
      const asked = action === "migrate" || action === "ignore" ? "preferred" : "activated";
      if (pending.get(s.id)?.kind !== asked) return;
      if (action === "migrate") pending.set(s.id, { kind: "started", since: Date.now() });
      else pending.delete(s.id);
      renderSessions();
    }) }, action);
}

function renderSessions() {
  $("#sessions tbody").replaceChildren(...sessions.map((s) => {
    const mine = signedIn && s.client === me;
    const wait = waitingFor(s);
    const state = td("state", { class: "state state-" + s.state }, s.state);
    if (wait) {
      state.append(" ", el("span", { class: "badge waiting" }, mine ? "waiting for you" : "waiting for " + s.client),
        el("span", { class: "muted since", "data-since": String(wait.since) }, ""));
    }
    for (const p of s.usagePolicies || []) state.append(" ", el("span", { class: "badge policy" }, p.replaceAll("-", " ")));
    const actions = el("td", { class: "actions", "data-label": "actions" });
    if (mine && wait) {
      const offer = wait.kind === "preferred" ? ["migrate", "ignore"] : ["accept", "reject"];
      actions.append(el("span", {}, (wait.kind === "preferred" ? "move to " : "keep ") + (wait.to || "?") + "?"), ...offer.map((a) => decide(s, a)));
    }
    if (mine) actions.append(el("button", { "data-action": "close", onclick: act("DELETE", "/v1/sessions/" + encodeURIComponent(s.id)) }, "close"));
    return el("tr", { "data-id": s.id, class: wait ? "waiting" : "" },
      td("id", {}, s.id), td("client", {}, s.client + (s.client === me ? " (this page)" : "")), td("configuration", {}, s.configuration),
      state, td("access point", {}, s.ActiveConfiguration || "-"),
      td("reachability", { class: "reach reach-" + s.reachability }, s.reachability || "-",
        s.behindCaptivePortal ? el("span", { class: "badge portal" }, "captive portal") : ""),
      td("received", {}, bytes(s.bytesReceived)), td("sent", {}, bytes(s.bytesWritten)), td("active", {}, s.activeTime + " s"),
      actions);
  }));
  tick();
}

function tick() {
  for (const e of document.querySelectorAll("#sessions .since")) {
    e.textContent = " for " + Math.max(0, Math.round((Date.now() - Number(e.dataset.since)) / 1000)) + " s";
  }
}
setInterval(tick, 1000);

function renderPolicies() {
  const on = policies.includes("no-background-traffic");
  $("#policies").textContent = policies.length ? policies.join(", ") : "none";
  $("#policies").className = on ? "badge policy" : "";
  $("#policy").checked = on;
}

// ---------------------------------------------------------------- loading and the event stream

async function refresh() {
  refreshTimer = 0;
  try {
    const [cfg, ses, st, snap] = await Promise.all([api("GET", "/v1/configurations"), api("GET", "/v1/sessions"),
      api("GET", "/v1/status"), api("GET", "/v1/driver/snapshot")]);
    configurations = cfg.configurations;
    sessions = ses.sessions;
    policies = snap.usagePolicies || [];
    for (const s of sessions) if (pending.has(s.id) && !s.isOpen) pending.delete(s.id);
    renderPolicies();
    renderConfigurations();
    renderSessions();
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
    case "capabilities-changed": return "capabilities: " + e.capabilities.join(", ");
    case "session-state": return e.session + " (" + e.client + ") " + e.state;
    case "session-opened": return e.session + " (" + e.client + ") opened on " + e.activeConfiguration;
    case "session-closed": return e.session + " (" + e.client + ") closed" + (e.error ? ": " + e.error : "");
    case "session-usage-policies": return e.session + " (" + e.client + ") policies: " + (e.policies.join(", ") || "none");
    case "session-reachability":
      return e.session + " (" + e.client + ") reaches " + e.reachability + (e.behindCaptivePortal ? " (captive portal)" : "");
    case "session-error": return e.session + " error " + e.error + ": " + e.errorString;
    case "losing": return e.identifier + " expected to go in " + e.msToLive + " ms";
    case "session-losing": return e.session + " (" + e.client + ") losing " + e.activeConfiguration + " in " + e.msToLive + " ms";
    case "session-data-budget":
      return e.session + " (" + e.client + ") data budget of " + e.identifier + (e.exhausted ? " used up: " : " at ") + e.used + "/" + e.bytes + " bytes";
    case "roaming": return "roaming " + e.kind + " " + e.session + (e.from ? " from " + e.from : "") + (e.to ? " to " + e.to : "") +
      (e.kind === "preferred" || e.kind === "activated" ? ": waits for " + e.client : "");
    case "client-expired": return "client " + e.client + " expired; closed " + e.sessions.join(", ");
    case "scenario": return "scenario " + e.id + " " + e.status + (e.message ? ": " + e.message : "");
    case "gap": return seenEvent ? "missed events " + e.from + ".." + e.to + "; reloaded" : "events " + e.from + ".." + e.to + " are no longer kept";
    case "shutdown": return "daemon shutting down: " + e.reason;
    default: return e.type;
  }
}

function note(e) {
  if (e.type === "roaming") {
    if (e.kind === "preferred" || e.kind === "activated") pending.set(e.session, { kind: e.kind, to: e.to, since: e.time || Date.now() });
    else if (e.kind === "moved") pending.delete(e.session);
    else if (e.kind === "started") {
      const p = pending.get(e.session);
      if (!p || p.kind === "preferred") pending.set(e.session, { kind: "started", since: e.time || Date.now() });
    }
  } else if (e.type === "session-closed") pending.delete(e.session);
  else if (e.type === "session-state" && e.state === "connected" && pending.get(e.session)?.kind !== "preferred") pending.delete(e.session);
  else if (e.type === "usage-policies-changed") { policies = e.policies; renderPolicies(); }
}

async function connect() {
  // Signed in: the page is a client (its stream holds its sessions), bound to the key its heartbeat got.
  if (signedIn) await api("POST", "/v1/clients/" + encodeURIComponent(me) + "/heartbeat", {}).catch(() => {});
  // since=0: the daemon replays what it still keeps (the last 1024 events), then goes on live.
  const source = new EventSource(signedIn && key
    ? "/v1/events?since=0&client=" + encodeURIComponent(me) + "&key=" + encodeURIComponent(key) : "/v1/events?since=0");
  source.onopen = () => { $("#stream").textContent = "live"; $("#stream").className = "pill on"; };
  source.onerror = () => { $("#stream").textContent = "reconnecting…"; $("#stream").className = "pill off"; };
  source.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.seq) $("#seq").textContent = e.seq;
    if (e.type === "hello" || e.type === "keep-alive") return;
    if (e.type === "statistics") {
      for (const [id, s] of Object.entries(e.statistics)) stats.set(id, s);
      record(e.time || Date.now(), e.statistics);
      updateTraffic();
      return;
    }
    note(e);
    const line = el("li", { "data-type": e.type }, new Date(e.time || Date.now()).toLocaleTimeString() + "  " + describe(e));
    if (e.type !== "gap") seenEvent = true;
    $("#timeline").prepend(line);
    while ($("#timeline").children.length > 300) $("#timeline").lastChild.remove();
    if (e.type === "shutdown") source.close();
    schedule();
  };
}

$("#mode").textContent = signedIn ? (sim ? "simulator: controls enabled" : "signed in") : "read-only (sign in with the link netsession serve printed)";
$("#decide").hidden = !signedIn;
if (signedIn && sim) {
  $("#add-ap").hidden = false;
  $("#add-ap").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    api("POST", "/v1/world/access-points", { id: f.get("id"), bearer: f.get("bearer"), signal: Number(f.get("signal")), metered: f.get("metered") === "on" })
      .then(() => { ev.target.reset(); renderPolicies(); schedule(); }, () => {});
  });
  $("#policy").addEventListener("change", (ev) =>
    api("POST", "/v1/world/policies", { policies: ev.target.checked ? ["no-background-traffic"] : [] }).then(schedule, () => renderPolicies()));
}
refresh();
connect();
`;
