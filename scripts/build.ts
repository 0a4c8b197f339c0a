/**
 * `npm run build`: the runtime's TypeScript as plain JavaScript in `dist/`, for `npm start` (which builds first).
 * Running the stack through tsx costs memory for as long as it runs: tsx's loader thread with its own heap, and the
 * source maps it turns on, which make Node read and keep the map of every module it loads (about 40 MB of RSS
 * in all, bench/reports/soak.md). The build transpiles file by file (no bundling, the same folders under
 * `dist/`), so every `import.meta.url` points where it did; the files the code reads beside itself (WSDL,
 * sync rules) and the project's data folders (config/, schema/, operations/, .interchange/) are linked into
 * `dist/`, so both runs read and write the same files. Types are checked by `npm run typecheck`, not here.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist');
/** The folders `npm start` runs from; bench/, test/ and scripts/ stay on tsx. */
const RUNTIME = ['launcher', 'gateway', 'subgraphs', 'platform', 'events', 'sync', 'emulators'];
/** Files or folders built besides (`npm run build -- bench/soak/stack.ts`): a benchmark that runs the stack as npm start does. */
const EXTRA = process.argv.slice(2);
/** Folders the code reaches with `../<folder>` from its own place, linked as they are. */
const DATA = ['config', 'schema', 'operations', '.interchange'];

function filesUnder(folder: string): string[] {
  if (!statSync(join(ROOT, folder)).isDirectory()) return [folder];
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** A relative link at `dist/<path>` to `<path>`, so `dist/` can move with the checkout. */
function link(path: string): void {
  const at = join(OUT, path);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), join(ROOT, path)), at);
}

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
const files = [...RUNTIME, ...EXTRA].flatMap(filesUnder);
const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
await build({
  entryPoints: sources.map((file) => join(ROOT, file)),
  outdir: OUT,
  outbase: ROOT,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // On disk only: NODE_OPTIONS=--enable-source-maps maps stack traces to the TypeScript when wanted.
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of files.filter((file) => !file.endsWith('.ts'))) link(file);
for (const folder of DATA) {
  // .interchange/ holds the development issuer's key, written on first use: made now so that both runs share it.
  mkdirSync(join(ROOT, folder), { recursive: true });
  link(folder);
}
if (!existsSync(join(OUT, 'launcher/main.js'))) throw new Error('build: dist/launcher/main.js was not written');
console.log(`built ${sources.length} modules into dist/ in ${Math.round(performance.now() - started)} ms`);
