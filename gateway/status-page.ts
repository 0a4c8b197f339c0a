import type { StoredSpan, StoredTrace } from '../platform/index.js';
import type { EventsSummary, SeriesPoint, StatusReport, VendorCard } from './status.js';

/**
 * The /status page as one HTML string: no script, no external file, no build step. Pure, so it can be tested
 * and so a slow vendor never makes rendering slow (the data is collected before).
 */

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const ms = (value: number | undefined): string =>
  value === undefined ? '–' : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
/** A wait as a person reads it: `40 s`, `12 min`, `23.9 h`. */
const wait = (value: number): string =>
  value < 60_000
    ? `${Math.ceil(value / 1000)} s`
    : value < 3_600_000
      ? `${Math.round(value / 60_000)} min`
      : `${(value / 3_600_000).toFixed(1)} h`;
/** Problems first, so the card that matters is on top of a phone's screen. */
const SEVERITY: Record<VendorCard['state'], number> = { 'breaker open': 0, unreachable: 1, degraded: 2, healthy: 3 };
const percent = (value: number): string => `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;

/** An inline SVG line of the values (gaps where undefined), scaled to its own maximum. */
export function sparkline(
  values: Array<number | undefined>,
  options: { label: string; format: (value: number) => string; width?: number; height?: number },
): string {
  const width = options.width ?? 90;
  const height = options.height ?? 28;
  const defined = values.filter((value): value is number => value !== undefined);
  const max = Math.max(...defined, 0);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const y = (value: number) => (max === 0 ? height - 2 : height - 2 - (value / max) * (height - 4));
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((value, index) => {
    if (value === undefined) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${(index * step).toFixed(1)},${y(value).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  const lines = segments
    .map((points) =>
      points.includes(' ')
        ? `<polyline points="${points}" />`
        : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="1.5" />`,
    )
    .join('');
  const last = defined.length > 0 ? options.format(defined[defined.length - 1]!) : 'no data';
  return `<figure class="spark"><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(options.label)}: ${escape(last)}">${lines}</svg><figcaption>${escape(options.label)} <b>${escape(last)}</b></figcaption></figure>`;
}

function vendorCard(card: VendorCard): string {
  const points: SeriesPoint[] = card.series;
  const quota =
    card.quota.length === 0
      ? '<p class="muted">no quota configured</p>'
      : `<table class="quota"><tr><th>quota bucket</th><th>left</th><th>resets in</th></tr>${card.quota
          .map(
            (bucket) =>
              `<tr><td>${escape(bucket.bucket)}</td><td>${bucket.remaining}</td><td>${bucket.resetsInMs <= 0 ? 'now' : wait(bucket.resetsInMs)}</td></tr>`,
          )
          .join('')}</table>`;
  const errors =
    card.lastErrors.length === 0
      ? '<p class="muted">no recent errors</p>'
      : `<ul class="errors">${card.lastErrors
          .map(
            (error) =>
              `<li><time>${escape(error.at.slice(11, 19))}</time> <code>${escape(error.code)}</code> ${escape(error.endpoint)}: ${escape(error.message)}</li>`,
          )
          .join('')}</ul>`;
  const slug = card.state.replace(/\s+/g, '-');
  return `<article class="card ${slug}" data-vendor="${escape(card.vendor)}" data-state="${escape(card.state)}">
<header><h3>${escape(card.vendor)}</h3><span class="badge ${slug}">${escape(card.state)}</span></header>
<p class="reason">${escape(card.reason)}${card.breakerRetryInMs !== undefined ? (card.breakerRetryInMs > 0 ? `; next probe in ${wait(card.breakerRetryInMs)}` : '; next call is the probe') : ''}</p>
<p class="numbers">p50 <b>${ms(card.recent.p50Ms)}</b> · p99 <b>${ms(card.recent.p99Ms)}</b> · errors <b>${percent(card.recent.errorRate)}</b> of ${card.recent.attempts} · in flight ${card.inFlight} · queued ${card.queued}</p>
<div class="sparks">
${sparkline(
  points.map((point) => point.p50Ms),
  { label: 'p50', format: (value) => ms(value) },
)}
${sparkline(
  points.map((point) => point.p99Ms),
  { label: 'p99', format: (value) => ms(value) },
)}
${sparkline(
  points.map((point) => (point.attempts > 0 ? point.errorRate : undefined)),
  { label: 'error rate', format: percent },
)}
</div>
${quota}
<details${card.lastErrors.length > 0 && card.state !== 'healthy' ? ' open' : ''}><summary>last errors (${card.lastErrors.length})</summary>${errors}</details>
</article>`;
}

/** A trace's spans as rows, each under its parent, with a bar placed on the trace's time line. */
export function waterfall(trace: StoredTrace): string {
  const spans = [...trace.spans].sort((a, b) => a.startMs - b.startMs);
  const start = Math.min(...spans.map((span) => span.startMs));
  const end = Math.max(...spans.map((span) => span.startMs + span.durationMs));
  const total = Math.max(end - start, 0.001);
  const children = new Map<string | undefined, StoredSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: string[] = [];
  const visit = (span: StoredSpan, depth: number) => {
    const left = ((span.startMs - start) / total) * 100;
    const width = Math.max((span.durationMs / total) * 100, 0.5);
    const detail = Object.entries(span.attributes)
      .filter(([key]) => key.startsWith('interchange.') || key.startsWith('graphql.') || key === 'http.response.status_code')
      .map(([key, value]) => `${key.replace(/^interchange\./, '')}=${value}`)
      .join(' ');
    rows.push(
      `<div class="span${span.failed ? ' failed' : ''}" title="${escape(detail)}"><span class="name" style="padding-left:${depth * 0.8}em">${escape(span.name)} <small>${escape(span.service.replace(/^interchange-/, ''))}</small></span><span class="track"><span class="bar" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></span></span><span class="dur">${ms(span.durationMs)}</span></div>`,
    );
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(undefined) ?? []) visit(root, 0);
  return `<div class="waterfall">${rows.join('')}</div>`;
}

const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#b35900;--bad:#c62828;--muted:#6b7280;--line:#d0d7de;--bg:#fff;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--line:#30363d;--muted:#8b949e}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:12px}h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
.overall{padding:8px 12px;border-radius:6px;font-weight:600;color:#fff}.overall.ok{background:var(--ok)}.overall.degraded{background:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:6px;padding:10px 12px}
.card.degraded{border-left-color:var(--warn)}.card.breaker-open,.card.unreachable{border-left-color:var(--bad)}
.card header{display:flex;justify-content:space-between;align-items:center}.card h3{margin:0;font-size:1.1em}
.badge{padding:2px 8px;border-radius:999px;color:#fff;font-size:.85em;font-weight:600;background:var(--ok)}
.badge.degraded{background:var(--warn)}.badge.breaker-open,.badge.unreachable{background:var(--bad)}
.reason,.muted{color:var(--muted);margin:.3em 0}.numbers{margin:.3em 0}
.sparks{display:flex;flex-wrap:wrap;gap:8px;margin:.4em 0}.spark{margin:0}.spark svg{display:block;background:var(--bg);border:1px solid var(--line);border-radius:4px}
.spark polyline{fill:none;stroke:#0969da;stroke-width:1.5}.spark circle{fill:#0969da}.spark figcaption{font-size:.8em;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.4em 0}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid var(--line);font-size:.9em}
.errors{margin:.3em 0;padding-left:1.1em;font-size:.85em;word-break:break-word}
.waterfall{font-size:.82em;border:1px solid var(--line);border-radius:4px;padding:4px}
.span{display:grid;grid-template-columns:minmax(8em,38%) 1fr 4.5em;gap:6px;align-items:center;min-height:1.4em}
.span .name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.span small{color:var(--muted)}
.track{position:relative;height:.8em;background:var(--card)}.bar{position:absolute;top:0;bottom:0;background:#0969da;border-radius:2px}
.span.failed .bar{background:var(--bad)}.dur{text-align:right;color:var(--muted)}
details summary{cursor:pointer}footer{color:var(--muted);font-size:.85em;margin:1.5em 0}
`;

/** The event pipeline panel: counts by status, backlog and its age, refusals, and a redrive button when some are dead. */
function eventsPanel(events: EventsSummary, redriven: number | undefined): string {
  const counts = Object.entries(events.counts)
    .map(([status, count]) => `<tr data-status="${escape(status)}"><td>${escape(status)}</td><td>${count}</td></tr>`)
    .join('');
  const age =
    events.oldestUnappliedAgeSeconds === undefined ? 'nothing waiting' : `oldest waiting ${ms(events.oldestUnappliedAgeSeconds * 1000)}`;
  const refused = Object.entries(events.rejections).flatMap(([vendor, reasons]) =>
    Object.entries(reasons).map(([reason, count]) => `${escape(vendor)} ${escape(reason)}: ${count}`),
  );
  const dead = events.counts.dead ?? 0;
  return (
    `<div id="events"><p class="numbers">backlog <b>${events.backlog}</b> · ${age}</p>` +
    `<table><tr><th>status</th><th>events</th></tr>${counts}</table>` +
    (refused.length > 0 ? `<p class="muted">refused deliveries: ${refused.join(', ')}</p>` : '') +
    (redriven !== undefined ? `<p id="redriven">Redriven ${redriven} dead event${redriven === 1 ? '' : 's'}.</p>` : '') +
    (dead > 0
      ? `<form method="post" action="/status/redrive"><button type="submit" id="redrive">Redrive ${dead} dead event${dead === 1 ? '' : 's'}</button></form>`
      : '') +
    '</div>'
  );
}

export function renderStatusPage(report: StatusReport, options: { refreshSeconds: number; redriven?: number }): string {
  const caches = `<table><tr><th>cache</th><th>hits</th><th>misses</th><th>hit ratio</th></tr>${report.caches
    .map((cache) => {
      const total = cache.hits + cache.misses;
      return `<tr data-cache="${cache.cache}"><td>${cache.cache}</td><td>${cache.hits}</td><td>${cache.misses}</td><td>${total === 0 ? '–' : percent(cache.hits / total)}</td></tr>`;
    })
    .join('')}</table>`;
  const events =
    report.events === undefined
      ? '<p class="muted" id="events">Event pipeline: not configured.</p>'
      : eventsPanel(report.events, options.redriven);
  const slowest =
    report.slowest.length === 0
      ? `<p class="muted">${escape(report.tracesNote ?? 'No traced operations yet.')}</p>`
      : report.slowest
          .map((trace) => {
            const root = trace.root!;
            return `<details class="trace"><summary><b>${escape(root.name)}</b> ${ms(root.durationMs)} · ${trace.spans.length} spans · <code>${trace.traceId}</code></summary>${waterfall(trace)}</details>`;
          })
          .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${options.refreshSeconds}"><title>Interchange status</title><style>${STYLE}</style></head>
<body><main>
<h1>Interchange integrations</h1>
<p class="overall ${report.overall}" id="overall">${report.overall === 'ok' ? 'All vendors healthy' : 'Some vendors need attention'}</p>
<h2>Vendors</h2><div class="grid">${[...report.vendors]
    .sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state])
    .map(vendorCard)
    .join('')}</div>
<h2>Caches</h2>${caches}
<h2>Event pipeline</h2>${events}
<h2>Slowest recent operations</h2>${slowest}
<footer>Updated ${escape(report.generatedAt.replace('T', ' ').slice(0, 19))} UTC · refreshes every ${options.refreshSeconds} s · <a href="/status.json">JSON</a> · <a href="/metrics">metrics</a></footer>
</main></body></html>`;
}
