// The technician's page's style sheet (/ui/app.css): readable in sunlight on a phone, light or dark
// following the system, keyboard focus always visible, nothing wider than a 360 px screen (wide
// tables scroll inside their own box).
export const PAGE_STYLE = `
:root { --fg: #111; --bg: #fff; --muted: #555; --line: #ccc; --good: #0a6b2d; --bad: #a40000; --warn: #8a5a00; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #eee; --bg: #121212; --muted: #aaa; --line: #444; --good: #5fd38a; --bad: #ff7b7b; --warn: #f0c060; --accent: #8ab4f8; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 0.75rem; font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
h1 { font-size: 1.35rem; margin: 0.25rem 0; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 0.4rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 0.8rem 0 0.3rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--bg); padding: 0.3rem; z-index: 1; }
.meta { margin: 0.2rem 0; color: var(--muted); }
nav ul { display: flex; flex-wrap: wrap; gap: 0.2rem 0.8rem; list-style: none; padding: 0; margin: 0.4rem 0; }
nav a { display: inline-block; padding: 0.2rem 0; }
.badge { display: inline-block; padding: 0 0.45rem; border-radius: 0.3rem; font-weight: 700; color: #fff; background: var(--muted); }
.badge.ok { background: #0a6b2d; }
.badge.degraded { background: #a40000; }
.good { color: var(--good); font-weight: 600; }
.bad, tr.bad td { color: var(--bad); }
.warn, tr.warn td { color: var(--warn); }
.empty { color: var(--muted); font-style: italic; }
.banner { border: 2px solid var(--bad); color: var(--bad); padding: 0.5rem; font-weight: 600; }
body.stale main { opacity: 0.55; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 0.9rem; padding-bottom: 0.2rem; }
th, td { text-align: left; padding: 0.25rem 0.5rem 0.25rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { white-space: nowrap; }
td { overflow-wrap: normal; }
td:first-child { min-width: 4.5rem; }
#sources td { white-space: nowrap; }
.id { font-family: ui-monospace, monospace; font-size: 0.85em; color: var(--muted); }
@media (max-width: 40rem) { table { font-size: 0.9rem; } th, td { padding-right: 0.35rem; } }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 0.8rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
progress { width: 8rem; max-width: 100%; vertical-align: middle; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0 1.5rem; }
figure { margin: 0; }
.chart svg { width: 100%; height: 10rem; border: 1px solid var(--line); }
.chart .bar { fill: var(--accent); opacity: 0.6; }
.chart .line { fill: none; stroke: var(--bad); stroke-width: 2; vector-effect: non-scaling-stroke; }
figcaption { color: var(--muted); font-size: 0.9rem; }
footer { margin-top: 1.5rem; color: var(--muted); font-size: 0.9rem; }
.login { max-width: 24rem; }
.login input, .login button { display: block; width: 100%; font: inherit; padding: 0.5rem; margin: 0.3rem 0 0.8rem; }
`;
