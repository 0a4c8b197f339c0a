/**
 * The header that carries a request's deadline from the gateway to the subgraphs: the absolute time, in ms
 * since the Unix epoch, after which nobody is waiting for the answer (the gateway's remaining budget).
 * Absolute rather than relative so that it survives queueing between hops unchanged; the price is that the
 * hosts' clocks must agree to within a second or so (NTP), which the subgraph kit's `readDeadline` tolerates.
 * It lives in platform/ because both sides need the name: the gateway (which may import only platform/) sets it,
 * the subgraph kit reads it.
 */
export const DEADLINE_HEADER = 'x-request-deadline';
