// The technician's page and its login form: static HTML, filled in by the page's script
// (/ui/app.js) from /status. No framework, nothing from another origin, so it works on a gateway
// with no internet access; the CSP header in http-server.ts forbids anything else.

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const HEAD = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="ui/app.css">
</head>`;

/** The page; `gatewayId` is in the title so a browser tab names the gateway before the first poll. */
export function pageHtml(gatewayId: string): string {
  return `${HEAD(`lora-edge ${gatewayId}`)}
<body>
<a class="skip" href="#main">Skip to the gateway's status</a>
<header>
<h1>lora-edge <span id="gateway-id">${escapeHtml(gatewayId)}</span></h1>
<p class="meta"><span id="health" class="badge">…</span> version <span id="version">…</span>, up <span id="uptime">…</span>, updated <span id="updated">–</span></p>
<p id="connection" class="banner" role="alert" hidden></p>
<nav aria-label="Sections"><ul>
<li><a href="#h-health">Health</a></li><li><a href="#h-sources">Radio</a></li><li><a href="#h-mqtt">MQTT</a></li>
<li><a href="#h-outbox">Outbox</a></li><li><a href="#h-chart">Last hour</a></li><li><a href="#h-uplinks">Uplinks</a></li>
<li><a href="#h-devices">Devices</a></li><li><a href="#h-problems">Warnings</a></li>
</ul></nav>
</header>
<main id="main" tabindex="-1">
<section aria-labelledby="h-health"><h2 id="h-health" tabindex="-1">Health</h2><ul id="health-reasons" aria-live="polite"></ul></section>
<section aria-labelledby="h-sources"><h2 id="h-sources" tabindex="-1">Radio sources</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Radio sources table"><table id="sources">
<caption>Each radio source, its state and the frames it delivered</caption>
<thead><tr><th scope="col">Source</th><th scope="col">State</th><th scope="col">Last frame</th><th scope="col">CRC ok</th><th scope="col">Bad CRC</th><th scope="col">No CRC</th><th scope="col">Counters</th></tr></thead>
<tbody id="sources-body"></tbody></table></div></section>
<div class="pair">
<section aria-labelledby="h-mqtt"><h2 id="h-mqtt" tabindex="-1">MQTT</h2><dl id="mqtt"></dl></section>
<section aria-labelledby="h-outbox"><h2 id="h-outbox" tabindex="-1">Outbox</h2><dl id="outbox"></dl></section>
</div>
<section aria-labelledby="h-chart"><h2 id="h-chart" tabindex="-1">Last hour</h2>
<figure><div id="chart" class="chart"></div><figcaption id="chart-summary">No data yet.</figcaption></figure></section>
<section aria-labelledby="h-uplinks"><h2 id="h-uplinks" tabindex="-1">Last uplinks</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Last uplinks table"><table id="uplinks">
<caption>The last uplinks heard, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Device</th><th scope="col">RSSI</th><th scope="col">SNR</th><th scope="col">FCnt</th><th scope="col">Decoded</th></tr></thead>
<tbody id="uplinks-body"></tbody></table></div></section>
<section aria-labelledby="h-devices"><h2 id="h-devices" tabindex="-1">Devices seen: <span id="devices-count">0</span></h2>
<div class="scroll" tabindex="0" role="region" aria-label="Devices table"><table id="devices">
<caption>Devices heard since the daemon started, most recent first</caption>
<thead><tr><th scope="col">Device</th><th scope="col">Last seen</th><th scope="col">RSSI</th><th scope="col">SNR</th><th scope="col">FCnt</th><th scope="col">Frames</th><th scope="col">Codec errors</th></tr></thead>
<tbody id="devices-body"></tbody></table></div></section>
<section aria-labelledby="h-problems"><h2 id="h-problems" tabindex="-1">Recent warnings and errors</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Warnings and errors table"><table id="problems">
<caption>Warnings and errors logged since the daemon started, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Part</th><th scope="col">Message</th></tr></thead>
<tbody id="problems-body"></tbody></table></div>
<h3>Configuration check at start</h3><ul id="config-check"></ul></section>
</main>
<footer><p>Read-only. Updates every 3 s from <a href="status">/status</a>; <a href="metrics">/metrics</a> for Prometheus.</p></footer>
<script src="ui/app.js"></script>
</body>
</html>
`;
}

/** The form that exchanges the token for a cookie (a browser cannot send a bearer header on navigation). */
export function loginHtml(error?: string): string {
  return `${HEAD('lora-edge: token required')}
<body>
<main id="main" class="login">
<h1>lora-edge</h1>
<p>This gateway's page needs the token in <code>ops.http.tokenFile</code>.</p>
${error ? `<p class="banner" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Open the page</button>
</form>
</main>
</body>
</html>
`;
}
