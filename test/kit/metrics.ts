/** Reads Prometheus text exposition into `name{label="value",...}` → value, labels sorted by name. */
export type Samples = Map<string, number>;

export async function readMetrics(url: string, headers: Record<string, string> = {}): Promise<Samples> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  const samples: Samples = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** The sample's key for `metric` with these labels (any order). */
export function sampleKey(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .sort()
    .join(',')}}`;
}

/** Every sample of `metric` that changed between two reads, by its labels, as after − before. */
export function increments(before: Samples, after: Samples, metric: string): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith(`${metric}{`)) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) changed[key.slice(metric.length)] = delta;
  }
  return changed;
}
