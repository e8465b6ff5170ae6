import diagnostics_channel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errors.js';
import type { DomainKind } from '../types.js';
import { OpCounter } from './op-stats.js';
import { takeSettled } from './settled.js';
import type { StoreContext } from './store-context.js';
import type { SpanLike, Telemetry, TelemetryAttributes } from './telemetry.js';

/** Name of the `node:diagnostics_channel` channel every store operation is published on when it ends. */
export const OPERATION_CHANNEL = 'agentstore:operation';

/** What `agentstore:operation` publishes once per finished operation. */
export interface OperationEvent {
  /** The domain, or undefined for store-wide operations (`sync`, `stats`, `close`, …). */
  readonly domain: string | undefined;
  /** The domain's kind (`kv`, `checkpoints`, …), or `store` for the store's own methods. */
  readonly kind: DomainKind | 'store';
  /** The method: `get`, `put`, `save`, `append`, `migrateDomain`, … */
  readonly operation: string;
  /** The adapter the domain is routed to when the operation ended (undefined for store-wide ones). */
  readonly adapter: string | undefined;
  /** Wall time in milliseconds (for an iteration: from the call to its end). */
  readonly durationMs: number;
  /** The `StoreError` code when the operation failed. */
  readonly error: ErrorCode | undefined;
}

const channel = diagnostics_channel.channel(OPERATION_CHANNEL);

/** What one observed handle knows about itself. */
interface Scope {
  readonly ctx: StoreContext;
  readonly kind: DomainKind | 'store';
  readonly domain: string | undefined;
  readonly counters: Map<string, OpCounter> | undefined;
}

function codeOf(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : 'IO';
}

function adapterOf(scope: Scope): string | undefined {
  if (scope.domain === undefined) return undefined;
  try {
    return scope.ctx.router.route(scope.domain).adapter;
  } catch {
    return undefined; // a bad domain name: the operation itself reports INVALID_DOMAIN
  }
}

/** One operation in flight: its start, and its span when OpenTelemetry records. */
class Operation {
  readonly #scope: Scope;
  readonly #name: string;
  readonly #t0: number;
  readonly #otel: Telemetry | undefined;
  readonly #span: SpanLike | undefined;
  #attrs: TelemetryAttributes | undefined;

  constructor(scope: Scope, name: string, t0: number) {
    this.#scope = scope;
    this.#name = name;
    this.#t0 = t0;
    const otel = scope.ctx.telemetry;
    this.#otel = otel?.active(this.#t0) ? otel : undefined;
    if (this.#otel) this.#span = this.#otel.start(this.#attributes());
  }

  /** Records the end: counters always; the channel and OpenTelemetry only when someone listens. */
  end(err?: unknown): void {
    const ms = performance.now() - this.#t0;
    const failed = err !== undefined;
    count(this.#scope, this.#name, this.#t0, failed);
    if (!channel.hasSubscribers && !this.#otel) return;
    const error = failed ? codeOf(err) : undefined;
    const attrs = this.#attributes();
    if (channel.hasSubscribers) channel.publish({ ...attrs, kind: this.#scope.kind, durationMs: ms, error } satisfies OperationEvent);
    this.#otel?.end(this.#span, attrs, ms, error);
  }

  #attributes(): TelemetryAttributes {
    this.#attrs ??= { domain: this.#scope.domain, kind: this.#scope.kind, operation: this.#name, adapter: adapterOf(this.#scope) };
    return this.#attrs;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/** An iteration observed from the call to its end (exhausted, broken off or failed). */
async function* observedIteration(op: Operation, source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  let failure: unknown;
  try {
    yield* source;
  } catch (err) {
    failure = err ?? new Error('iteration failed');
    throw err;
  } finally {
    op.end(failure);
  }
}

/** Adds one finished call to the counters of `scope` (the only work done when nobody listens). */
function count(scope: Scope, name: string, t0: number, failed: boolean): void {
  const counters = scope.counters;
  if (!counters) return;
  let counter = counters.get(name);
  if (!counter) {
    counter = new OpCounter();
    counters.set(name, counter);
  }
  counter.add(performance.now() - t0, failed);
}

/**
 * Runs `fn` on `self` as the operation `name` of `scope`: the one place every handle method and store
 * method passes through, so every kind is observed alike. With no subscriber and no OpenTelemetry SDK
 * it only counts (one clock read at each end); nothing is built for an event.
 */
export function runObserved<T>(scope: Scope, name: string, fn: (...args: never[]) => T, self: unknown, args: readonly unknown[]): T {
  const t0 = performance.now();
  const otel = scope.ctx.telemetry;
  if (!channel.hasSubscribers && (otel === undefined || !otel.active(t0))) {
    let result: T;
    try {
      result = (fn as (...a: unknown[]) => T).apply(self, args as unknown[]);
    } catch (err) {
      count(scope, name, t0, true);
      throw err;
    }
    // A read that ran synchronously returned a settled promise: counted now, nothing chained on it.
    const settled = takeSettled(result);
    if (settled !== undefined) {
      count(scope, name, t0, settled.error !== undefined);
      return result;
    }
    if (isPromiseLike(result)) {
      return (result as PromiseLike<unknown>).then(
        (value) => {
          count(scope, name, t0, false);
          return value;
        },
        (err: unknown) => {
          count(scope, name, t0, true);
          throw err;
        },
      ) as T;
    }
    if (!isAsyncIterable(result)) {
      count(scope, name, t0, false);
      return result;
    }
  }
  return runTraced(scope, name, () => (fn as (...a: unknown[]) => T).apply(self, args as unknown[]), t0);
}

/** `runObserved` when someone listens: the operation is published and traced as well as counted. */
function runTraced<T>(scope: Scope, name: string, call: () => T, t0: number): T {
  const op = new Operation(scope, name, t0);
  let result: T;
  try {
    result = call();
  } catch (err) {
    op.end(err ?? new Error('operation failed'));
    throw err;
  }
  const settled = takeSettled(result);
  if (settled !== undefined) {
    op.end(settled.error);
    return result;
  }
  if (isPromiseLike(result)) {
    return (result as PromiseLike<unknown>).then(
      (value) => {
        op.end();
        return value;
      },
      (err: unknown) => {
        op.end(err ?? new Error('operation failed'));
        throw err;
      },
    ) as T;
  }
  if (isAsyncIterable(result)) return observedIteration(op, result) as T;
  op.end();
  return result;
}

const INNER = Symbol('inner');
const SCOPE = Symbol('scope');
const observedPrototypes = new WeakMap<object, object>();

/** The prototype of observed handles of one class: each public method calls the inner one through `runObserved`. */
function observedPrototype(proto: object): object {
  let observed = observedPrototypes.get(proto);
  if (observed) return observed;
  observed = {};
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || Object.hasOwn(observed, name)) continue;
      const desc = Object.getOwnPropertyDescriptor(p, name);
      if (desc === undefined) continue;
      if (typeof desc.value === 'function') {
        const method = desc.value as (...args: unknown[]) => unknown;
        Object.defineProperty(observed, name, {
          value(this: { [INNER]: object; [SCOPE]: Scope }, ...args: unknown[]) {
            return runObserved(this[SCOPE], name, method, this[INNER], args);
          },
          writable: true,
          configurable: true,
        });
      } else if (desc.get) {
        const get = desc.get;
        Object.defineProperty(observed, name, {
          get(this: { [INNER]: object }) {
            return get.call(this[INNER]);
          },
          configurable: true,
        });
      }
    }
  }
  observedPrototypes.set(proto, observed);
  return observed;
}

/**
 * Wraps a domain handle so each of its public methods is one observed operation. The handle's own
 * calls between its methods stay unobserved (they run on the inner handle), so nothing counts twice.
 */
export function observeHandle<T extends object>(ctx: StoreContext, kind: DomainKind, domain: string, handle: T): T {
  const wrapped = Object.create(observedPrototype(Object.getPrototypeOf(handle))) as { [INNER]: object; [SCOPE]: Scope };
  wrapped[INNER] = handle;
  wrapped[SCOPE] = { ctx, kind, domain, counters: ctx.ops.of(domain) };
  return wrapped as unknown as T;
}

/** The scope of the store's own methods (`configureDomain`, `sync`, `stats`, …), counted per domain when they name one. */
export function storeScope(ctx: StoreContext, domain?: string): Scope {
  return { ctx, kind: 'store', domain, counters: domain === undefined ? undefined : ctx.ops.of(domain) };
}
