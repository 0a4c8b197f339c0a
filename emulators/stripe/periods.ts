/** The end of a billing period that starts at `start` (unix seconds), in calendar months or years as Stripe bills. */
export function periodEnd(start: number, interval: 'month' | 'year', count = 1): number {
  const date = new Date(start * 1000);
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + count);
  else date.setUTCMonth(date.getUTCMonth() + count);
  return Math.floor(date.getTime() / 1000);
}
