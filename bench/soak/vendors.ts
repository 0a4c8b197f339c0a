/**
 * The soak's vendors in a process of their own (`npm run bench:soak -- --vendors separate`): the four emulators
 * (HubSpot, Stripe, Mixpanel, the ERP) and nothing else, so the stack process the soak measures holds Interchange
 * alone, as against real vendors. Seeded as the embedded stack seeds them (their default seed: the soak's 100
 * customers are the same), their rate limits off as EMULATOR_RATE_LIMITS=false turns them off there.
 *
 * Webhooks as a real vendor sends them: a Stripe webhook endpoint registered at SOAK_PUBLIC_URL/webhooks/stripe
 * (every event type), and the HubSpot app's target URL SOAK_PUBLIC_URL/webhooks/hubspot with the subscriptions
 * README's "Registering the endpoints with the real vendors" lists (those launcher/events.ts makes in the embedded
 * stack), signed with the app's client secret, which this process makes up as HubSpot issues one.
 *
 * Prints one line `ready <json>`: each vendor's base URL and the credentials an operator copies into the stack's
 * configuration (API keys, the Stripe endpoint's signing secret, the HubSpot app's client secret). Stops on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { createErpSoapEmulator, DEFAULT_ERP_USER } from '../../emulators/erp-soap/index.js';
import { createHubSpotEmulator } from '../../emulators/hubspot/index.js';
import { createMixpanelEmulator } from '../../emulators/mixpanel/index.js';
import { createStripeEmulator } from '../../emulators/stripe/index.js';
import { applyHeapGrowth } from '../../platform/memory.js';
import { HUBSPOT_SUBSCRIPTIONS } from '../../subgraphs/crm/webhooks.js';

/** What the vendors tell the operator: where they are and the credentials for the stack's configuration. */
export type SoakVendors = {
  hubspot: { url: string; accessToken: string; clientSecret: string };
  stripe: { url: string; secretKey: string; webhookSecret: string };
  mixpanel: { url: string; projectId: number; username: string; secret: string };
  erp: { url: string; company: string; username: string; password: string };
};

const publicUrl = process.env.SOAK_PUBLIC_URL;
if (!publicUrl) throw new Error('bench/soak/vendors.ts needs SOAK_PUBLIC_URL: where the vendors send webhooks');

// The same heap growth factor as the embedded stack's process, which ran these emulators until now: the sum of the
// two processes compares with the embedded figure.
applyHeapGrowth();

// The emulators' own private-app token, test key and default project, as the embedded stack uses them.
const ACCESS_TOKEN = 'pat-emulator';
const SECRET_KEY = 'sk_test_emulator';
const clientSecret = randomBytes(24).toString('hex');

const hubspot = createHubSpotEmulator({
  tenSecondlyLimit: 0,
  dailyLimit: 0,
  searchPerSecond: 0,
  privateAppTokens: [ACCESS_TOKEN],
  oauth: { clientSecret },
});
const stripe = createStripeEmulator({ apiKeys: [SECRET_KEY], rateLimitPerSecond: 0, searchRateLimitPerSecond: 0 });
const mixpanel = createMixpanelEmulator({ exportPerHour: 0, exportPerSecond: 0, exportConcurrent: 0, queryPerHour: 0, queryConcurrent: 0 });
const erp = createErpSoapEmulator();
const emulators = [hubspot, stripe, mixpanel, erp];
const [hubspotUrl, stripeUrl, mixpanelUrl, erpUrl] = await Promise.all(emulators.map((emulator) => emulator.listen(0)));
await erp.ready;

// The operator's registrations, at the stack's public address.
const endpoint = stripe.webhooks.register({ url: `${publicUrl}/webhooks/stripe`, enabled_events: ['*'] });
hubspot.webhooks.configure({
  targetUrl: `${publicUrl}/webhooks/hubspot`,
  subscriptions: HUBSPOT_SUBSCRIPTIONS,
});

const account = mixpanel.project.serviceAccounts[0]!;
const vendors: SoakVendors = {
  hubspot: { url: hubspotUrl!, accessToken: ACCESS_TOKEN, clientSecret },
  stripe: { url: stripeUrl!, secretKey: SECRET_KEY, webhookSecret: endpoint.secret },
  mixpanel: { url: mixpanelUrl!, projectId: mixpanel.project.id, username: account.username, secret: account.secret },
  erp: { url: erpUrl!, company: erp.company, username: DEFAULT_ERP_USER.username, password: DEFAULT_ERP_USER.password },
};
console.log(`ready ${JSON.stringify(vendors)}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void Promise.all(emulators.map((emulator) => emulator.close())).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
