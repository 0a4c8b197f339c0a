/**
 * The critical path of one request, read from the emulators' request logs: which vendor calls ran one after
 * another (waves), and how many waves the operation's data dependencies require at least (its floor).
 * Shared by `npm run bench:economy` and test/e2e/critical-path.test.ts, so both count alike.
 */
import type { LoggedRequest } from '../../emulators/shared/server.js';

/** A vendor call as the emulator logged it, with the emulator's name. */
export type VendorCall = Pick<LoggedRequest, 'method' | 'path' | 'at' | 'durationMs'> & { vendor: string };

/**
 * Groups calls into waves: a call that starts after every earlier call has ended begins a new wave (it could
 * not have overlapped them); a call starting while one is still running joins the running wave.
 */
export function toWaves(calls: readonly VendorCall[]): VendorCall[][] {
  const waves: VendorCall[][] = [];
  let busyUntil = -Infinity;
  for (const call of [...calls].sort((x, y) => x.at - y.at)) {
    if (call.at >= busyUntil) waves.push([]);
    waves[waves.length - 1]!.push(call);
    busyUntil = Math.max(busyUntil, call.at + call.durationMs);
  }
  return waves;
}

/** A call named for a reader: vendor and the last meaningful part of its path (`stripe invoices/search`). */
export function describeCall(call: VendorCall): string {
  const vendor = call.vendor.replace('-soap', '');
  if (vendor === 'erp') return `erp ${call.path.split('/').pop()}`;
  if (vendor === 'hubspot') {
    const [, , , , type, ...rest] = call.path.split('/'); // /crm/v3/objects/<type>/<id | batch/read>
    return `hubspot ${type}${rest[0] === 'batch' ? ' batch read' : rest.length > 0 ? ' read' : ' list'}`;
  }
  if (vendor === 'stripe') return `stripe ${call.path.replace(/^\/v1\//, '')}`;
  return `${vendor} ${call.path.split('/').pop()}`;
}

/** The waves as one line: `1: hubspot contacts read · 2: erp SalesOrder, stripe customers/search ×2`. */
export function describeWaves(waves: readonly VendorCall[][]): string {
  return waves
    .map((wave, index) => {
      const counts = new Map<string, number>();
      for (const call of wave) counts.set(describeCall(call), (counts.get(describeCall(call)) ?? 0) + 1);
      return `${index + 1}: ${[...counts].map(([name, count]) => (count > 1 ? `${name} ×${count}` : name)).join(', ')}`;
    })
    .join(' · ');
}

/**
 * How many waves each economy operation needs at least, and why: the longest chain of vendor calls where each
 * needs an id only the previous one returns, with the vendors' APIs as they are (VENDORS.md). `plan` is the
 * fewest waves a federated plan allows: the gateway sends an entity fetch only once the whole fetch it depends
 * on has answered, so a subgraph's own chain and the chains after it add up. `left` says what stands between
 * the measured waves and the floor.
 */
export const FLOORS: Record<string, { floor: number; plan: number; chain: string; left: string }> = {
  BillingReport: {
    floor: 3,
    plan: 3,
    chain: 'HubSpot contact list → Stripe customer search by their emails → Stripe invoice search by the Stripe customer ids',
    left:
      "none: Stripe's invoice search takes customer ids, not emails, and a customer cannot expand its invoices; " +
      'the ERP invoices and the subscriptions (expanded on the customer search) already ride along the second wave.',
  },
  Customer360: {
    floor: 3,
    plan: 5,
    chain:
      'HubSpot contact (its company and deal ids inline) → company (its contact ids inline) → those contacts; ' +
      'contact → Stripe customer search → invoice and payment-intent searches; contact → ERP orders (lines inline) → items',
    left:
      "the gateway's plan: the ERP, Stripe and Mixpanel fetches need only the contact's email and ERP number " +
      '(wave 1) but wait for the whole CRM fetch, whose company chain takes waves 2 and 3; two waves that are not ' +
      'data dependencies, which only a plan that splits the CRM fetch (or streams its keys) would remove.',
  },
  Dashboard: {
    floor: 2,
    plan: 3,
    chain:
      'HubSpot contact list (company and deal ids inline) → companies and deals batch reads, ERP orders, Stripe ' +
      'customers, Mixpanel export, all keyed by what the list returned; the trend and funnel export runs in wave 1',
    left:
      "the gateway's plan: the ERP, Stripe and Mixpanel fetches wait for the CRM fetch's companies and deals reads " +
      '(wave 2), which they do not need: one wave that is not a data dependency.',
  },
};
