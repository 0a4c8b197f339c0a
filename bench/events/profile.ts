import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * BENCH_PROFILE_DIR=<dir>: a CPU profile of this benchmark process, started now; `stop` writes it there as
 * `<name>-<pid>.cpuprofile` (call it when the process is told to stop). Without the variable both do nothing.
 */
export async function startProfile(name: string): Promise<{ stop(): Promise<void> }> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    },
  };
}
