import { StoreError } from '@agentstore/core/spi';

/** Another process committed to the domain after this transaction read it: the group runs again. */
export class Conflict extends Error {
  /** Whether the attempt used reads remembered from earlier transactions (then it retries at once). */
  readonly remembered: boolean;

  constructor(remembered: boolean) {
    super('redis: the domain changed under the transaction');
    this.remembered = remembered;
  }
}

/** A `StoreError` for an error from the client or the server; `doing` names the step. */
export function translateError(error: unknown, doing: string): unknown {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Conflict) return new StoreError('BUSY', `redis: ${doing}: retried too often under contention`, { cause: error });
  // A key of this store holding another type: something else wrote under the store's prefix.
  if (message.startsWith('WRONGTYPE')) return new StoreError('CORRUPT', `redis: ${doing}: ${message}`, { cause: error });
  if (/^(BUSY|LOADING|TRYAGAIN)/.test(message)) return new StoreError('BUSY', `redis: ${doing}: ${message}`, { cause: error });
  return new StoreError('IO', `redis: ${doing}: ${message}`, { cause: error });
}
