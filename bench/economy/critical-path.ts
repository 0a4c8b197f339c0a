/**
 * The critical path of one request, read from the emulators' request logs: which vendor calls ran one after
 * another (waves), and how many waves the operation's data dependencies require at least (its floor).
 * Shared by `npm run bench:economy` and test/e2e/critical-path.test.ts, so both count alike.
 */
import type { LoggedRequest } from '../../emulators/shared/server.js';

/** A vendor call as the emulator logged it, with the emulator's name. */
export type VendorCall = Pick<LoggedRequest, 'method' | 'path' | 'at' | 'durationMs'> & { vendor: string };

/**
 * Groups calls into waves by how deep each sits in a chain: a call's wave is one after the latest wave of any
 * call that had ended before it started (it could have waited for that one), else the first. So the number of
 * waves is the longest run of calls each starting after the previous ended: the request's serial steps. A slow
 * call that nothing waits for (an analytics export) does not merge the next step of another chain into its wave.
 */
export function toWaves(calls: readonly VendorCall[]): VendorCall[][] {
  const waves: VendorCall[][] = [];
  const placed: Array<{ call: VendorCall; wave: number }> = [];
  for (const call of [...calls].sort((x, y) => x.at - y.at)) {
    const after = placed.filter((earlier) => earlier.call.at + earlier.call.durationMs <= call.at);
    const wave = Math.max(-1, ...after.map((earlier) => earlier.wave)) + 1;
    placed.push({ call, wave });
    (waves[wave] ??= []).push(call);
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
 * on has answered, so a subgraph's own chain and the chains after it add up (why the CRM's relations are a
 * subgraph of their own, crm-relations). `left` says what stands between the measured waves and the floor.
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
    plan: 3,
    chain:
      'HubSpot contact (its company and deal ids inline) → company (its contact ids inline) → those contacts; ' +
      'contact → Stripe customer search → invoice and payment-intent searches; contact → ERP orders (lines inline) → items',
    left:
      "none: the company and deals are crm-relations' fetch, which runs beside ERP, Stripe and Mixpanel once the " +
      "contact has answered (its association ids come with the contact), so HubSpot's chain and the others overlap.",
  },
  Dashboard: {
    floor: 2,
    plan: 2,
    chain:
      'HubSpot contact list (company and deal ids inline) → companies and deals batch reads, ERP orders, Stripe ' +
      'customers, Mixpanel export, all keyed by what the list returned; the trend and funnel export runs in wave 1',
    left:
      "none: the companies and deals batch reads are crm-relations' fetch, beside the ERP, Stripe and Mixpanel " +
      'fetches after the list.',
  },
};
