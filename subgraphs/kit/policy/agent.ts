import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * A keep-alive HTTP agent for a vendor SDK, plus a way to abort what the SDK sends through it. Why: the
 * policy's timeout gives up on an attempt at once, but the HubSpot SDK, the Stripe SDK and soap's axios take no
 * AbortSignal; without this their socket would stay open until the vendor answers or the SDK's own timeout
 * fires, so a hanging vendor would fill the pool with dead sockets and starve the next calls.
 */
export type AbortableAgent = {
  /** The agent to hand to the SDK. */
  readonly agent: HttpAgent;
  /**
   * Runs `send`; every request that goes out through `agent` while it runs (its async continuations included)
   * is destroyed, socket and all, when `signal` aborts. Pass the signal `policy.execute` gives `run`.
   */
  bind<T>(signal: AbortSignal, send: () => Promise<T>): Promise<T>;
  /** Sockets this agent holds now: carrying a request, and idle in the keep-alive pool. */
  sockets(): { active: number; idle: number };
  /** Destroys every socket (after the subgraph has drained). */
  close(): void;
};

export type AbortableAgentOptions = {
  /** Whether the vendor is reached over TLS (an https: base URL). */
  https: boolean;
  /** Keep it at least the bulkhead limit, or calls the bulkhead admits wait for a socket inside their timeout. */
  maxSockets: number;
};

type AddRequest = (this: HttpAgent, request: ClientRequest, ...rest: unknown[]) => void;

export function createAbortableAgent(options: AbortableAgentOptions): AbortableAgent {
  const settings = { keepAlive: true, maxSockets: options.maxSockets };
  const agent: HttpAgent = options.https ? new HttpsAgent(settings) : new HttpAgent(settings);
  const current = new AsyncLocalStorage<AbortSignal>();
  // addRequest is where every client (node-fetch, node:http, axios) hands a request to the agent, synchronously
  // inside the call that the policy's signal belongs to; it is not in Node's typings but has been stable since
  // Node 0.x and is what agent libraries hook. An instance patch, so only this vendor's agent is touched.
  const addRequest = (agent as unknown as { addRequest: AddRequest }).addRequest;
  (agent as unknown as { addRequest: AddRequest }).addRequest = function (this: HttpAgent, request, ...rest) {
    const signal = current.getStore();
    if (signal) {
      const abort = (): void => {
        request.destroy(new Error('the call policy gave up on this request (timeout or deadline)'));
      };
      if (signal.aborted) queueMicrotask(abort);
      else {
        signal.addEventListener('abort', abort, { once: true });
        request.once('close', () => signal.removeEventListener('abort', abort));
      }
    }
    addRequest.call(this, request, ...rest);
  };
  const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>): number =>
    Object.values(sockets).reduce((total, list) => total + (list?.length ?? 0), 0);
  return {
    agent,
    bind: (signal, send) => current.run(signal, send),
    sockets: () => ({ active: count(agent.sockets), idle: count(agent.freeSockets) }),
    close: () => agent.destroy(),
  };
}
