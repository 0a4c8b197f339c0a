import { createErpSoapEmulator, DEFAULT_ERP_PORT, PAGE_NAMES } from './index.js';

// Starts the ERP emulator alone: `PORT=4104 npx tsx emulators/erp-soap/main.ts`.
const emulator = createErpSoapEmulator();
const port = Number(process.env.PORT ?? DEFAULT_ERP_PORT);
const url = await emulator.listen(port);
await emulator.ready;
console.log(`erp-soap emulator listening on ${url}`);
for (const page of PAGE_NAMES) console.log(`  ${url}${emulator.pagePath(page)}?wsdl`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
