// The technician's page's own script, written in TypeScript so it is checked against the snapshot
// it renders. It runs in the browser: `technicianPage` must not use anything from this module's
// scope, as it is served as its source text (PAGE_SCRIPT), except `formatDuration`, whose source is
// served beside it so the page and `lora-edge status` write durations alike. It polls /status and
// redraws; when the daemon stops answering, it says so and keeps the last values, marked as old.
import type { DaemonSnapshot, HealthStatus } from '../snapshot.js';
import { formatDuration } from '../status-report.js';

type Status = DaemonSnapshot & { health: HealthStatus };

function technicianPage(): void {
  const POLL_MS = 3000;
  const DRAIN_MIN_DEPTH = 50;
  const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

  function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string | null>): HTMLElement {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) if (c !== null) e.append(c);
    return e;
  }
  function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }
  function setText(id: string, text: string): void {
    const e = $(id);
    if (e.textContent !== text) e.textContent = text;
  }
  function ago(now: number, t: number | null): string {
    return t === null ? 'never' : `${formatDuration(now - t)} ago`;
  }
  function bytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
    if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
    return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  }
  function clock(t: number): string {
    return new Date(t).toLocaleTimeString([], { hour12: false });
  }
  /** The registry's name over the EUI (or DevAddr), so a phone-wide column holds both. */
  function deviceCell(name: string | null, id: string): Node {
    return name ? el('span', {}, name, el('br'), el('small', { class: 'id' }, id)) : el('span', { class: 'id' }, id);
  }
  function num(n: number | null | undefined, digits = 0): string {
    return n === null || n === undefined ? '–' : n.toFixed(digits);
  }
  /** Replaces a table body's rows; `empty` spans the table when there are none. */
  function fillRows(tbodyId: string, rows: Array<Array<string | Node>>, empty: string, classes: Array<string | null> = []): void {
    const tbody = $(tbodyId);
    const cols = (tbody.parentElement as HTMLTableElement).tHead?.rows[0]?.cells.length ?? 1;
    const out = rows.length
      ? rows.map((cells, i) => el('tr', classes[i] ? { class: classes[i] as string } : {}, ...cells.map((c) => el('td', {}, c))))
      : [el('tr', {}, el('td', { colspan: String(cols), class: 'empty' }, empty))];
    tbody.replaceChildren(...out);
  }
  function dl(id: string, pairs: Array<[string, string | Node]>): void {
    $(id).replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  function renderHeader(s: Status): void {
    setText('gateway-id', s.gatewayId);
    setText('version', s.version);
    setText('uptime', formatDuration(s.uptimeMs));
    const health = $('health');
    health.textContent = s.health.status === 'ok' ? 'OK' : 'DEGRADED';
    health.className = `badge ${s.health.status}`;
    const reasons = s.health.reasons.map((r) => el('li', {}, r));
    $('health-reasons').replaceChildren(...(reasons.length ? reasons : [el('li', { class: 'empty' }, 'Nothing to look at.')]));
  }

  function renderSources(s: Status): void {
    fillRows(
      'sources-body',
      s.sources.map((src) => [
        src.id,
        el('span', { class: /^(listening|receiving|open)/.test(src.state) ? 'good' : 'bad' }, src.state),
        ago(s.now, src.lastFrameAt),
        String(src.frames.ok),
        String(src.frames.bad),
        String(src.frames.none),
        Object.entries(src.counters).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || '–',
      ]),
      'No radio source is configured.',
    );
  }

  function renderMqtt(s: Status): void {
    const m = s.mqtt;
    dl('mqtt', [
      ['State', el('span', { class: m.connected ? 'good' : 'bad', id: 'mqtt-state' }, m.state)],
      ['Reconnects', String(m.reconnects)],
      ['Publish timeouts', String(m.publishTimeouts)],
      ['Closes (5 min)', String(m.closesRecent)],
    ]);
  }

  function renderOutbox(s: Status): void {
    const o = s.outbox;
    const f = s.forwarder;
    const pairs: Array<[string, string | Node]> = [
      ['Depth', el('span', { id: 'outbox-depth' }, String(o.depth))],
      ['Size', bytes(o.bytes)],
      ['Oldest record', o.oldestAgeMs === null ? '–' : `${formatDuration(o.oldestAgeMs)} old`],
      ['Delivered', `${f.recordsAcked} records in ${f.batchesAcked} batches`],
    ];
    // A handful of records is the normal flow, not a backlog worth a progress bar.
    if (s.mqtt.connected && o.depth >= DRAIN_MIN_DEPTH && f.drain) {
      const done = Math.max(0, f.recordsAcked - f.drain.startAcked);
      const total = Math.max(done + o.depth, f.drain.startDepth, 1);
      const rate = f.drainRatePerS;
      const eta = rate > 0 ? formatDuration((o.depth / rate) * 1000) : 'unknown';
      const bar = el('progress', { max: String(total), value: String(done), 'aria-label': 'Drain progress' });
      pairs.push(['Draining', el('span', {}, bar, ` ${Math.round((done / total) * 100)} %, ${Math.round(rate)} records/s, ETA ${eta}`)]);
    } else if (!s.mqtt.connected && o.depth > 0) {
      pairs.push(['Draining', 'waiting for the MQTT broker; records are kept']);
    }
    dl('outbox', pairs);
  }

  function renderChart(s: Status): void {
    const series = s.history ?? [];
    const chart = $('chart');
    const W = 600;
    const H = 160;
    const pad = 4;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-summary', preserveAspectRatio: 'none' });
    const maxFrames = Math.max(1, ...series.map((b) => b.frames));
    const maxDepth = Math.max(1, ...series.map((b) => b.maxDepth));
    const start = s.now - 60 * 60_000;
    const x = (t: number) => pad + ((t - start) / (60 * 60_000)) * (W - 2 * pad);
    const bw = (W - 2 * pad) / 60 - 1;
    for (const b of series) {
      const h = (b.frames / maxFrames) * (H - 2 * pad);
      root.append(svg('rect', { x: x(b.t).toFixed(1), y: (H - pad - h).toFixed(1), width: bw.toFixed(1), height: h.toFixed(1), class: 'bar' }));
    }
    if (series.length) {
      const pts = series.map((b) => `${(x(b.t) + bw / 2).toFixed(1)},${(H - pad - (b.depth / maxDepth) * (H - 2 * pad)).toFixed(1)}`);
      root.append(svg('polyline', { points: pts.join(' '), class: 'line' }));
    }
    chart.replaceChildren(root);
    const last = series[series.length - 1];
    setText(
      'chart-summary',
      `Bars: frames per minute (highest ${series.length ? maxFrames : 0}, this minute ${last?.frames ?? 0}). ` +
        `Line: outbox depth (highest ${series.length ? maxDepth : 0}, now ${s.outbox.depth}). Last ${series.length} min.`,
    );
  }

  function renderTraffic(s: Status): void {
    const t = s.traffic;
    const uplinks = t?.uplinks ?? [];
    fillRows(
      'uplinks-body',
      uplinks.slice(0, 20).map((u) => [clock(u.at), deviceCell(u.name, u.device), num(u.rssi), num(u.snr, 1), u.fCnt === null ? '–' : String(u.fCnt), u.summary ?? u.mType]),
      'No uplink yet.',
    );
    const devices = t?.devices ?? [];
    fillRows(
      'devices-body',
      devices.slice(0, 200).map((d) => [deviceCell(d.name, d.device), ago(s.now, d.lastSeen), num(d.rssi), num(d.snr, 1), d.fCnt === null ? '–' : String(d.fCnt), String(d.frames), d.codecErrors ? `${d.codecErrors}: ${d.lastCodecError ?? ''}` : '0']),
      'No device heard yet.',
      devices.slice(0, 200).map((d) => (d.codecErrors ? 'warn' : null)),
    );
    setText('devices-count', `${devices.length}${t?.devicesForgotten ? ` (and ${t.devicesForgotten} no longer listed)` : ''}`);
  }

  function renderProblems(s: Status): void {
    const recent = s.problems?.recent ?? [];
    fillRows(
      'problems-body',
      recent.slice(0, 30).map((p) => [clock(p.time), p.level, p.part ?? '', p.err ? `${p.msg}: ${p.err}` : p.msg]),
      'No warning or error since the daemon started.',
      recent.slice(0, 30).map((p) => (p.level === 'warn' ? 'warn' : 'bad')),
    );
    const c = s.configCheck;
    const items = c
      ? [
          el('li', {}, `${c.source}: valid`),
          ...c.warnings.map((w) => el('li', { class: 'warn' }, `warning: ${w}`)),
          ...(c.envApplied.length ? [el('li', {}, `environment overrides: ${c.envApplied.join(', ')}`)] : []),
        ]
      : [el('li', { class: 'empty' }, 'Not reported by this daemon.')];
    $('config-check').replaceChildren(...items);
  }

  let lastOk = 0;
  let failingSince = 0;
  function render(s: Status): void {
    renderHeader(s);
    renderSources(s);
    renderMqtt(s);
    renderOutbox(s);
    renderChart(s);
    renderTraffic(s);
    renderProblems(s);
  }
  function showConnection(): void {
    const banner = $('connection');
    if (failingSince === 0) {
      banner.hidden = true;
      document.body.classList.remove('stale');
      setText('updated', lastOk ? clock(lastOk) : '–');
    } else {
      banner.hidden = false;
      document.body.classList.add('stale');
      banner.textContent =
        `The daemon is not answering since ${clock(failingSince)}. ` +
        (lastOk ? `The values below are from ${clock(lastOk)}.` : 'Nothing received yet.') + ' Retrying every few seconds.';
    }
  }
  async function poll(): Promise<void> {
    try {
      const res = await fetch('status', { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) {
        // The token cookie is gone or wrong: the page itself shows the login form.
        location.reload();
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      render((await res.json()) as Status);
      lastOk = Date.now();
      failingSince = 0;
    } catch {
      if (failingSince === 0) failingSince = Date.now();
    }
    showConnection();
    setTimeout(() => void poll(), POLL_MS);
  }
  void poll();
}

/** What /ui/app.js serves. */
export const PAGE_SCRIPT = `"use strict";\n${formatDuration.toString()}\n(${technicianPage.toString()})();\n`;
