import { createStripeEmulator, DEFAULT_STRIPE_PORT } from './index.js';

const emulator = createStripeEmulator();
const url = await emulator.listen(Number(process.env.PORT ?? DEFAULT_STRIPE_PORT));
console.log(`stripe emulator listening on ${url} (${emulator.seeded.customers} customers)`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
