// The chaos matrix for hubspot: every fault, through the gateway (test/kit/chaos.ts, bench/chaos/matrix.ts).
import { describeChaosMatrix } from '../kit/chaos.js';

describeChaosMatrix('hubspot');
