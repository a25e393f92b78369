// The dashboard's look: its style sheet (a table on wide screens, one card per row below 1100 px, so that
// nothing scrolls sideways at 400 px and controls flow in a line) and its icon (an inline SVG, also served at
// /favicon.svg and /favicon.ico so that no browser asks in vain).

/** The icon: two arcs over a dot (a signal), green on dark. */
export const FAVICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d232a"/>` +
  `<path d="M7 14a13 13 0 0 1 18 0M10.5 18a8 8 0 0 1 11 0" fill="none" stroke="#6fd08c" stroke-width="3" ` +
  `stroke-linecap="round"/><circle cx="16" cy="23" r="2.6" fill="#6fd08c"/></svg>`;

/** The icon as a `data:` URL for `<link rel="icon">` (the CSP allows `data:` images). */
export const FAVICON_DATA_URL = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;

/** The page's style sheet. */
export const DASHBOARD_CSS = `
  :root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d232a; background: #f5f6f8; }
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0; padding: 1rem 1.5rem; max-width: 100%; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
  .bar { display: flex; gap: .4rem 1.2rem; flex-wrap: wrap; color: #4a5560; }
  .pill { padding: .1rem .5rem; border-radius: .8rem; background: #dde3ea; white-space: nowrap; }
  .pill.on { background: #c7efd2; } .pill.off { background: #f6d3d3; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e6e9ed; vertical-align: middle; }
  th { font-weight: 600; background: #eef1f4; }
  .state-active, .state-connected { color: #11772f; font-weight: 600; } .state-discovered { color: #1f5fa8; }
  .state-defined { color: #8a8f95; } .state-roaming, .state-connecting { color: #9a6a00; font-weight: 600; }
  .sig { display: inline-block; width: 60px; height: 8px; background: #e3e6ea; border-radius: 4px; vertical-align: middle; }
  .sig > i { display: block; height: 100%; background: #3f8f5a; border-radius: 4px; }
  .actions { display: flex; flex-wrap: wrap; gap: .25rem; align-items: center; }
  td.actions { display: table-cell; }
  td.actions > * { margin: .1rem .3rem .1rem 0; }
  .group { display: inline-flex; gap: .2rem; align-items: center; white-space: nowrap; }
  button { font: inherit; padding: .1rem .45rem; white-space: nowrap; }
  button.decide { background: #1f5fa8; color: #fff; border: 1px solid #174a85; border-radius: 3px; }
  input[type=range] { width: 80px; vertical-align: middle; }
  .spark { display: block; width: 120px; height: 24px; }
  .spark polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
  .spark .rx { stroke: #1f5fa8; } .spark .tx { stroke: #c0641b; }
  .spark .base { stroke: #e3e6ea; }
  #timeline { list-style: none; padding: 0; margin: 0; max-height: 18rem; overflow: auto; background: #fff; }
  #timeline li { padding: .2rem .5rem; border-bottom: 1px solid #eef0f2; font-family: ui-monospace, monospace; font-size: 12px;
    overflow-wrap: anywhere; }
  .muted { color: #7a848e; } .error { color: #a21c1c; }
  .reach-online { color: #11772f; } .reach-local, .reach-site { color: #9a6a00; } .reach-disconnected { color: #8a8f95; }
  .badge { margin-left: .3rem; padding: 0 .4rem; border-radius: .6rem; font-size: 12px; background: #f9e2b0; color: #6b4500; white-space: nowrap; }
  .badge.metered { background: #e4dcf7; color: #3d2a78; } .badge.policy { background: #f6d3d3; color: #7a1717; }
  .badge.waiting { background: #1f5fa8; color: #fff; font-weight: 600; }
  tr.waiting > td { background: #fff4d6; }
  tr.waiting > td:first-child { box-shadow: inset 4px 0 #e0a100; }
  .budget { display: inline-block; width: 50px; height: 6px; background: #e3e6ea; border-radius: 3px; vertical-align: middle; }
  .budget > i { display: block; height: 100%; background: #7a5cc9; border-radius: 3px; }
  .budget.low > i { background: #c0641b; } .budget.out > i { background: #a21c1c; }
  form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .5rem 0; }
  form input:not([type]), form input[name=id] { width: 8rem; } form input[type=number] { width: 4.5rem; }
  .legend { font-size: 12px; } .legend .rx { color: #1f5fa8; } .legend .tx { color: #c0641b; }
  @media (max-width: 1100px) {
    body { padding: .6rem .7rem; }
    table, thead, tbody, tr, td { display: block; width: 100%; }
    table { background: transparent; }
    thead { display: none; }
    tbody > tr { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: 0 .6rem;
      background: #fff; border: 1px solid #e1e5ea; border-radius: 6px; margin: 0 0 .5rem; padding: .35rem .5rem; }
    tbody > tr > td { border: 0; padding: .15rem 0; min-width: 0; overflow-wrap: anywhere; }
    tbody > tr > td::before { content: attr(data-label); display: block; font-size: 11px; color: #7a848e; }
    tbody > tr > td.wide, td.actions { grid-column: 1 / -1; }
    td.actions { flex-wrap: wrap; }
    td.actions { display: flex; white-space: normal; }
    td.actions:empty { display: none; }
    td.actions::before { flex-basis: 100%; }
    tr.waiting > td { background: transparent; }
    tr.waiting { background: #fff4d6; border-color: #e0a100; box-shadow: inset 4px 0 #e0a100; }
  }
`;
