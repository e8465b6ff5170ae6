import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@agentstore/core';
import { createStore } from '@agentstore/core';
import type { Adapter, Capabilities } from '@agentstore/core/spi';
import { StoreError } from '@agentstore/core/spi';
import { afterEach, beforeEach, expect } from 'vitest';

/** A stable error code (`StoreError['code']`). */
export type ErrorCode = StoreError['code'];
/** Where one domain lives, as `configureDomain` takes it. */
export type RouteConfig = Parameters<Store['configureDomain']>[1];

/** What an adapter's conformance test file hands the suite. */
export interface ConformanceTarget {
  /** Label for the describe blocks. */
  readonly name: string;
  readonly adapter: Adapter;
  /**
   * Adapter options used on every route the suite makes (merged under the suite's own). A function
   * gets the current test's dataDir, for adapters whose data lives outside it (e.g. one database
   * schema per test).
   */
  readonly options?: Record<string, unknown> | ((dataDir: string) => Record<string, unknown>);
  /** Runs after each test, once its stores are closed: removes what the adapter kept outside dataDir. */
  readonly cleanup?: (dataDir: string) => Promise<void>;
}

/** A target whose `options`, if any, are a plain record. */
export type ResolvedTarget = Omit<ConformanceTarget, 'options'> & { readonly options?: Record<string, unknown> };

/** Extra config for one opened store: routes by domain, merged over the target's default route. */
export interface OpenOptions {
  /** Domain name → common/adapter options for a route to the target adapter. */
  readonly domains?: Readonly<Record<string, Record<string, unknown>>>;
  /** Raw routes, passed through as given. */
  readonly routes?: Readonly<Record<string, RouteConfig>>;
}

/** Per-test fixture: one fresh temp dataDir, stores opened on it, all cleaned up after the test. */
export interface Harness {
  /** The target, with `options` resolved for the current test's dataDir (a plain record inside a test). */
  readonly target: ResolvedTarget;
  readonly caps: Capabilities;
  /** The current test's dataDir. */
  dataDir(): string;
  /** Opens a store on the current dataDir routed to the target adapter; closed after the test. */
  open(opts?: OpenOptions): Promise<Store>;
  /** A route to the target adapter with the target's options plus `extra`. */
  route(extra?: Record<string, unknown>): RouteConfig;
}

/** Registers beforeEach/afterEach hooks in the enclosing describe and returns the fixture. */
export function useHarness(target: ConformanceTarget): Harness {
  let dir: string | undefined;
  let stores: Store[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `agentstore-conf-${target.adapter.name}-`));
    stores = [];
  });

  afterEach(async () => {
    const opened = stores;
    stores = [];
    for (const s of opened.reverse()) {
      await s.close().catch(() => undefined);
    }
    const used = dir;
    dir = undefined;
    if (used !== undefined) {
      try {
        await target.cleanup?.(used);
      } finally {
        await rm(used, { recursive: true, force: true });
      }
    }
  });

  /** The target's options for the current test (a function is called with its dataDir). */
  const targetOptions = (): Record<string, unknown> => {
    const { options } = target;
    if (typeof options !== 'function') return options ?? {};
    if (dir === undefined) throw new Error('harness used outside a test');
    return options(dir);
  };

  const route = (extra: Record<string, unknown> = {}): RouteConfig => ({
    adapter: target.adapter.name,
    options: { ...targetOptions(), ...extra },
  });

  return {
    get target(): ResolvedTarget {
      const { options, ...rest } = target;
      if (typeof options !== 'function') return target as ResolvedTarget;
      return dir === undefined ? rest : { ...rest, options: options(dir) };
    },
    caps: target.adapter.capabilities,
    dataDir() {
      if (dir === undefined) throw new Error('harness used outside a test');
      return dir;
    },
    route,
    async open(opts: OpenOptions = {}) {
      if (dir === undefined) throw new Error('harness used outside a test');
      const domains: Record<string, RouteConfig> = { ...(opts.routes ?? {}) };
      for (const [d, o] of Object.entries(opts.domains ?? {})) domains[d] = route(o);
      const store = await createStore({
        dataDir: dir,
        adapters: [target.adapter],
        default: route(),
        domains,
      });
      stores.push(store);
      return store;
    },
  };
}

/** Asserts that `promise` rejects with a StoreError carrying `code`; returns the error. */
export async function expectCode(promise: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<StoreError> {
  let result: unknown;
  try {
    result = await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    if (!(err instanceof StoreError)) {
      throw new Error(`expected StoreError ${code}, got ${describeError(err)}`, { cause: err });
    }
    expect(err.code, `expected code ${code}, got ${err.code}: ${err.message}`).toBe(code);
    return err;
  }
  throw new Error(`expected StoreError ${code}, but the call resolved with ${safeString(result)}`);
}

/** Collects an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Bytes 0..n-1 (mod 256) as a plain Uint8Array. */
export function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) & 0xff;
  return b;
}

/** Asserts `x` is a plain Uint8Array (not a Buffer or another subclass). */
export function expectPlainBytes(x: unknown): void {
  expect(x).toBeInstanceOf(Uint8Array);
  expect(Object.getPrototypeOf(x), 'expected a plain Uint8Array, not a Buffer').toBe(Uint8Array.prototype);
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return safeString(err);
}

function safeString(x: unknown): string {
  try {
    return typeof x === 'bigint' ? `${x}n` : (JSON.stringify(x) ?? String(x));
  } catch {
    return String(x);
  }
}
