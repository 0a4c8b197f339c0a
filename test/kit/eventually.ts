/**
 * For end-to-end tests of asynchronous paths (webhooks, workers): reads until `accept` holds or the time is up,
 * and answers the last value either way, so the test's own expectation says what was wrong.
 */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
