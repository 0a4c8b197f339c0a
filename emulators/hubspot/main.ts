import { DEFAULT_PORT, createHubSpotEmulator } from './index.js';

/** Runs the HubSpot emulator alone: `PORT=4101 tsx emulators/hubspot/main.ts`. */
const emulator = createHubSpotEmulator();
const url = await emulator.listen(Number(process.env.PORT ?? DEFAULT_PORT));
console.log(`hubspot emulator listening on ${url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
