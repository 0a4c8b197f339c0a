/**
 * The process the soak measures: the embedded stack (emulators, every subgraph, the gateway) exactly as
 * `npm start` runs it, on free ports, configured by the environment the runner passes. Prints one line
 * `ready <gateway url>` when it answers, and stops on SIGTERM.
 */
import { startStack } from '../../launcher/stack.js';
import { stopOnSignal } from '../federation/contenders/env.js';

const stack = await startStack({ ports: 'ephemeral' });
console.log(`ready ${stack.gatewayUrl}`);
stopOnSignal(stack.close);
