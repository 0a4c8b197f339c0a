/** Pure helpers of the soak report: the trend of a series and its plot. */

export type Sample = { seconds: number; rssBytes: number };

/** Least-squares slope of RSS over time, in MB a minute; null with fewer than two samples. */
export function trendMbPerMinute(samples: readonly Sample[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.seconds, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.rssBytes, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const { seconds, rssBytes } of samples) {
    numerator += (seconds - meanX) * (rssBytes - meanY);
    denominator += (seconds - meanX) ** 2;
  }
  return denominator === 0 ? null : ((numerator / denominator) * 60) / 2 ** 20;
}

/**
 * RSS in MB against minutes as a self-contained SVG line chart, the warm-up shaded, the limit dashed. With `vendors`
 * (the vendors process of `--vendors separate`), a second line for it and a legend; `samples` is then the stack process.
 */
export function rssSvg(
  samples: readonly Sample[],
  options: { warmupSeconds: number; limitMb: number; vendors?: readonly Sample[] },
): string {
  const width = 720;
  const height = 360;
  const pad = { left: 56, right: 16, top: 20, bottom: 40 };
  const maxSeconds = Math.max(60, ...samples.map((s) => s.seconds));
  const vendors = options.vendors;
  const maxMb = Math.max(options.limitMb * 1.1, ...[...samples, ...(vendors ?? [])].map((s) => s.rssBytes / 2 ** 20)) * 1.05;
  const x = (seconds: number) => pad.left + (seconds / maxSeconds) * (width - pad.left - pad.right);
  const y = (mb: number) => height - pad.bottom - (mb / maxMb) * (height - pad.top - pad.bottom);
  const line = (series: readonly Sample[]) =>
    series.map((s) => `${x(s.seconds).toFixed(1)},${y(s.rssBytes / 2 ** 20).toFixed(1)}`).join(' ');
  const points = line(samples);
  const mbStep = maxMb > 600 ? 200 : maxMb > 300 ? 100 : 50;
  const minuteStep = Math.max(1, Math.ceil(maxSeconds / 60 / 10));
  const grid: string[] = [];
  for (let mb = 0; mb <= maxMb; mb += mbStep) {
    grid.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(mb)}" y2="${y(mb)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 6}" y="${y(mb) + 4}" text-anchor="end">${mb}</text>`,
    );
  }
  for (let minute = 0; minute * 60 <= maxSeconds; minute += minuteStep) {
    grid.push(`<text x="${x(minute * 60)}" y="${height - pad.bottom + 16}" text-anchor="middle">${minute}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<rect x="${pad.left}" y="${pad.top}" width="${x(options.warmupSeconds) - pad.left}" height="${height - pad.top - pad.bottom}" fill="#f3f3f3"/>`,
    ...grid,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(options.limitMb)}" y2="${y(options.limitMb)}" stroke="#c33" stroke-dasharray="6 4"/>`,
    `<text x="${width - pad.right}" y="${y(options.limitMb) - 4}" text-anchor="end" fill="#c33">${options.limitMb} MB</text>`,
    `<polyline fill="none" stroke="#1f5fbf" stroke-width="2" points="${points}"/>`,
    ...(vendors
      ? [
          `<polyline fill="none" stroke="#d9822b" stroke-width="2" points="${line(vendors)}"/>`,
          `<text x="${pad.left + 8}" y="${pad.top + 14}" fill="#1f5fbf">stack process (Interchange)</text>`,
          `<text x="${pad.left + 8}" y="${pad.top + 28}" fill="#d9822b">vendors process (the emulators)</text>`,
        ]
      : []),
    `<text x="${width / 2}" y="${height - 6}" text-anchor="middle">minutes (grey: warm-up, left out of the trend)</text>`,
    `<text x="14" y="${height / 2}" text-anchor="middle" transform="rotate(-90 14 ${height / 2})">${vendors ? 'RSS of each process, MB' : 'RSS of the whole stack, MB'}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
