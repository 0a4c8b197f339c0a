/**
 * `npm run events -- <command>`: the event log from a terminal, against the database in DATABASE_URL (or the
 * embedded PGlite folder, which only one process can open: stop `npm start` first, or use the admin routes).
 *   list    [--status S] [--vendor V] [--type T] [--since ISO] [--until ISO] [--limit N]
 *   show    <id>
 *   replay  <id> | [--vendor V] [--type T] [--since ISO] [--until ISO] [--status S]   (a window, or a vendor's whole log)
 *   redrive [--vendor V] [--type T] [--since ISO] [--until ISO]                        (dead events get fresh attempts)
 * Replay and redrive only enqueue; the workers (`npm start`, `npm start -- worker`) apply.
 */
import { SingleBar, Presets } from 'cli-progress';
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, createMemoryState, openDatabase, readDatabaseConfig } from '../platform/index.js';
import { FilterError, readFilter } from './http.js';
import { getEvent, listEvents } from './log.js';
import { createEventPipeline } from './pipeline.js';

const USAGE =
  'usage: npm run events -- list|show <id>|replay [<id>]|redrive [--status S] [--vendor V] [--type T] [--since ISO] [--until ISO] [--limit N]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: 'string' },
      vendor: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command, idText] = positionals;
  if (!command || !['list', 'show', 'replay', 'redrive'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const filter = readFilter(values);
  const db = await openDatabase(readDatabaseConfig(process.env));
  try {
    if (command === 'list') {
      const limit = Number(values.limit ?? 50);
      const events = await listEvents(db, filter, { limit: Number.isInteger(limit) && limit > 0 ? limit : 50 });
      console.table(
        events.map((event) => ({
          id: event.id,
          vendor: event.vendor,
          type: event.type,
          entity: event.entity,
          occurredAt: event.occurredAt,
          status: event.status,
          attempts: event.attempts,
          lastError: event.lastError ?? '',
        })),
      );
      console.log(`${events.length} event(s)`);
      return 0;
    }
    if (command === 'show') {
      const event = await getEvent(db, Number(idText));
      if (!event) {
        console.error(`No event ${idText} in the log.`);
        return 1;
      }
      console.log(JSON.stringify(event, null, 2));
      return 0;
    }
    const pipeline = await createEventPipeline({
      db,
      state: createMemoryState(),
      log: createLogger({ name: 'events-cli', level: 'warn' }),
    });
    try {
      const bar = new SingleBar({ format: `${command} [{bar}] {value}/{total} events`, hideCursor: true }, Presets.shades_classic);
      let started = false;
      const progress = (done: number, total: number) => {
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      };
      const started_at = Date.now();
      const count =
        command === 'redrive'
          ? await pipeline.redrive(filter, progress)
          : idText
            ? await pipeline.replay({ ids: [Number(idText)] }, progress)
            : await pipeline.replay(filter, progress);
      if (started) bar.stop();
      const counts = await pipeline.counts();
      console.log(`${command}: ${count} event(s) enqueued in ${Date.now() - started_at} ms; the workers apply them.`);
      console.log(
        `log now: ${Object.entries(counts)
          .map(([status, n]) => `${status} ${n}`)
          .join(', ')}`,
      );
      return 0;
    } finally {
      await pipeline.close();
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof FilterError ? error.message : error);
    process.exit(1);
  },
);
