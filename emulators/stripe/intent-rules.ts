import { invalidRequest } from './errors.js';
import { arrayParam, type Params } from './params.js';
import type { PaymentIntent } from './types.js';

/**
 * Stripe's minimum charge amounts in minor units, per its "minimum and maximum charge amounts" table; a
 * currency not listed here gets the common 50-unit minimum (the emulator does not convert currencies).
 */
const MINIMUM_AMOUNTS: Readonly<Record<string, number>> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  aud: 50,
  cad: 50,
  chf: 50,
  nzd: 50,
  sgd: 50,
  brl: 50,
  jpy: 50,
  mxn: 1000,
  dkk: 250,
  nok: 300,
  sek: 300,
  hkd: 400,
  czk: 1500,
  huf: 17500,
  pln: 200,
  ron: 200,
  bgn: 100,
  aed: 200,
  inr: 50,
  myr: 200,
  thb: 1000,
};

/** 400 `amount_too_small` when `amount` is under the currency's minimum; amounts below 1 are refused earlier. */
export function checkMinimumAmount(amount: number, currency: string): void {
  const minimum = MINIMUM_AMOUNTS[currency] ?? 50;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${minimum} ${currency} minor units.`, { param: 'amount', code: 'amount_too_small' });
  }
}

export type AutomaticPaymentMethods = { enabled: boolean; allow_redirects: 'always' | 'never' };

/** `automatic_payment_methods[enabled]` and `[allow_redirects]` as sent, or null when absent. */
export function automaticPaymentMethodsParam(params: Params): AutomaticPaymentMethods | null {
  const raw = params.automatic_payment_methods;
  if (raw === undefined) return null;
  if (!raw || typeof raw !== 'object') throw invalidRequest('Invalid object', { param: 'automatic_payment_methods' });
  const { enabled, allow_redirects: redirects, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw invalidRequest(`Received unknown parameter: automatic_payment_methods[${unknown}]`, {
      param: `automatic_payment_methods[${unknown}]`,
      code: 'parameter_unknown',
    });
  }
  if (enabled !== 'true' && enabled !== 'false') {
    throw invalidRequest('Missing required param: automatic_payment_methods[enabled].', {
      param: 'automatic_payment_methods[enabled]',
      code: 'parameter_missing',
    });
  }
  if (redirects !== undefined && redirects !== 'always' && redirects !== 'never') {
    throw invalidRequest('Invalid automatic_payment_methods[allow_redirects]: must be one of always, never', {
      param: 'automatic_payment_methods[allow_redirects]',
    });
  }
  return { enabled: enabled === 'true', allow_redirects: redirects ?? 'always' };
}

/**
 * What a new intent records: at the pinned API version automatic payment methods are on unless the caller
 * named `payment_method_types`, and either way the object echoes what applies.
 */
export function intentPaymentMethods(params: Params): { automatic: AutomaticPaymentMethods | null; types: string[] } {
  const automatic = automaticPaymentMethodsParam(params);
  const types = paymentMethodTypesParam(params);
  if (automatic?.enabled && types) {
    throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', {
      param: 'payment_method_types',
    });
  }
  if (types) return { automatic: null, types };
  return { automatic: automatic ?? { enabled: true, allow_redirects: 'always' }, types: ['card'] };
}

/** `payment_method_types[]` as sent, or undefined when the caller left Stripe to choose. */
export function paymentMethodTypesParam(params: Params): string[] | undefined {
  if (params.payment_method_types === undefined) return undefined;
  const types = arrayParam(params.payment_method_types);
  if (types.length === 0 || types.some((type) => typeof type !== 'string')) {
    throw invalidRequest('Invalid array', { param: 'payment_method_types' });
  }
  return types as string[];
}

/**
 * Confirming may lead to a redirect (3-D Secure, bank pages) unless the caller ruled redirects out: Stripe
 * refuses a confirmation without `return_url` unless `automatic_payment_methods[allow_redirects]=never` or
 * explicit `payment_method_types` were given.
 */
export function checkRedirectable(intent: PaymentIntent, params: Params): void {
  if (typeof params.return_url === 'string' && params.return_url !== '') return;
  const automatic = intent.automatic_payment_methods;
  // Without automatic payment methods the intent lists its types explicitly: cards need no redirect.
  if (!automatic?.enabled || automatic.allow_redirects === 'never') return;
  throw invalidRequest(
    'This PaymentIntent is configured to accept payment methods enabled in your Dashboard. ' +
      'Because some of these payment methods might redirect your customer off of your page, you must provide a ' +
      "`return_url`. If you don't want to accept redirect-based payment methods, set " +
      '`automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` ' +
      'when creating Setup Intents and Payment Intents.',
    { param: 'return_url' },
  );
}
