import { StoreError } from '../errors.js';

/** Native errors escaping an adapter become `IO`, keeping the original as `cause`. */
export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError('IO', `backend error: ${message}`, { cause: err });
}

/** Runs `fn`, turning anything it throws into a StoreError rejection (every handle method's wrapper). */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
