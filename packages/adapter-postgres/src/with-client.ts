import type { PooledClient } from './driver.js';
import { isConnectionError } from './errors.js';

/**
 * Runs `work` on a client from `connect`, then returns it to its pool, or destroys it when the
 * connection broke meanwhile (an `'error'` event, or `work` failing with a connection error), so a
 * dead connection is never handed out again. `work`'s errors are rethrown unchanged.
 */
export async function withClient<T>(connect: () => Promise<PooledClient>, work: (client: PooledClient) => Promise<T>): Promise<T> {
  const client = await connect();
  let broken: unknown;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (isConnectionError(error)) broken ??= error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken === undefined ? undefined : true);
  }
}
