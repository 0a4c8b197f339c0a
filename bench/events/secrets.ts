/** The secrets the benchmark's sender and its processes share (never used outside the benchmark). */
export const BENCH_SECRETS = {
  stripe: 'whsec_bench_events',
  hubspot: 'bench-hubspot-client-secret',
  admin: 'bench-admin-token-0123456789',
};
