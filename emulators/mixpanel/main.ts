import { createMixpanelEmulator, DEFAULT_MIXPANEL_PORT } from './index.js';

const port = Number(process.env['PORT'] ?? DEFAULT_MIXPANEL_PORT);
const emulator = createMixpanelEmulator();
const url = await emulator.listen(port);
console.log(`mixpanel emulator listening on ${url} (project ${emulator.project.id}, token ${emulator.project.token})`);

const stop = (): void => {
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
