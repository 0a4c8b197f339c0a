/**
 * Contender (d): Hive Gateway with its default settings, started through its own CLI code
 * (`hive-gateway supergraph <file> --host 127.0.0.1 --port <PORT>`) in this process, so the process the runner
 * measures (RSS, CPU) is the gateway itself. The CLI's default is one process (no --fork).
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readContenderEnv } from './env.js';

const { port, host, supergraphSdl } = readContenderEnv();
const supergraphPath = join(tmpdir(), `interchange-bench-hive-supergraph-${process.pid}.graphql`);
writeFileSync(supergraphPath, supergraphSdl);
process.on('exit', () => {
  try {
    unlinkSync(supergraphPath);
  } catch {
    // already gone
  }
});

// Hive Gateway lives in the benchmark's own package (bench/federation/peers), installed by `npm run bench:federation`.
// The package's exports map does not expose its bin; resolve it beside the package entry point.
const entry = createRequire(new URL('../peers/package.json', import.meta.url)).resolve('@graphql-hive/gateway');
const bin = join(dirname(entry), 'bin.js');
process.argv = [process.argv[0]!, bin, 'supergraph', supergraphPath, '--host', host, '--port', String(port)];
await import(pathToFileURL(bin).href);
