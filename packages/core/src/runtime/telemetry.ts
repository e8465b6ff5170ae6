/**
 * OpenTelemetry, when the application has `@opentelemetry/api` (an optional peer dependency): a span
 * per operation and two instruments, `agentstore.operations` (counter) and
 * `agentstore.operation.duration` (histogram, ms). Typed structurally so core's declarations never
 * name the package.
 */

/** The few span methods used. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

interface OtelApi {
  trace: {
    getTracer(name: string): { startSpan(name: string, options?: { attributes?: Record<string, unknown> }): SpanLike };
    getTracerProvider(): unknown;
  };
  metrics: {
    getMeter(name: string): {
      createCounter(name: string, options?: object): { add(n: number, attributes?: Record<string, unknown>): void };
      createHistogram(name: string, options?: object): { record(n: number, attributes?: Record<string, unknown>): void };
    };
  };
  ProxyTracerProvider: new () => { getDelegate(): unknown };
  createNoopMeter(): unknown;
  SpanStatusCode: { ERROR: number };
}

/** What an operation reports to OpenTelemetry. */
export interface TelemetryAttributes {
  readonly domain: string | undefined;
  readonly kind: string;
  readonly operation: string;
  readonly adapter: string | undefined;
}

/** How often (ms) whether an SDK is registered is looked at again: registering one is rare. */
const RECHECK_MS = 1000;

/** The OpenTelemetry bridge; `active` is false while no SDK is registered, so nothing is built then. */
export class Telemetry {
  readonly #api: OtelApi;
  readonly #noopTracerProvider: unknown;
  #tracer: ReturnType<OtelApi['trace']['getTracer']> | undefined;
  #counter: { add(n: number, attributes?: Record<string, unknown>): void } | undefined;
  #histogram: { record(n: number, attributes?: Record<string, unknown>): void } | undefined;
  #nextCheck = 0;

  constructor(api: OtelApi) {
    this.#api = api;
    // What the API hands out before any SDK registers, to compare with later.
    this.#noopTracerProvider = new api.ProxyTracerProvider().getDelegate();
  }

  /** Whether a tracer or meter provider is registered (looked at again at most once a second). */
  active(now: number): boolean {
    if (now >= this.#nextCheck) this.#refresh(now);
    return this.#tracer !== undefined || this.#counter !== undefined;
  }

  /** Starts an operation's span (undefined without a registered tracer provider). */
  start(attrs: TelemetryAttributes): SpanLike | undefined {
    return this.#tracer?.startSpan(`agentstore.${attrs.kind}.${attrs.operation}`, { attributes: attributesOf(attrs) });
  }

  /** Ends the span and records the operation in the counter and the histogram. */
  end(span: SpanLike | undefined, attrs: TelemetryAttributes, ms: number, code: string | undefined): void {
    if (span) {
      if (code !== undefined) {
        span.setAttribute('agentstore.error_code', code);
        span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: code });
      }
      span.end();
    }
    if (this.#counter) {
      const attributes = { ...attributesOf(attrs), ...(code !== undefined && { 'agentstore.error_code': code }) };
      this.#counter.add(1, attributes);
      this.#histogram?.record(ms, attributes);
    }
  }

  #refresh(now: number): void {
    this.#nextCheck = now + RECHECK_MS;
    const provider = this.#api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    const tracing = typeof provider.getDelegate !== 'function' || provider.getDelegate() !== this.#noopTracerProvider;
    this.#tracer = tracing ? this.#api.trace.getTracer('agentstore') : undefined;
    const meter = this.#api.metrics.getMeter('agentstore');
    const metering = meter !== this.#api.createNoopMeter();
    if (metering && !this.#counter) {
      this.#counter = meter.createCounter('agentstore.operations', { description: 'agentstore operations finished' });
      this.#histogram = meter.createHistogram('agentstore.operation.duration', {
        description: 'agentstore operation wall time',
        unit: 'ms',
      });
    } else if (!metering) {
      this.#counter = undefined;
      this.#histogram = undefined;
    }
  }
}

function attributesOf(attrs: TelemetryAttributes): Record<string, string> {
  const out: Record<string, string> = { 'agentstore.kind': attrs.kind, 'agentstore.operation': attrs.operation };
  if (attrs.domain !== undefined) out['agentstore.domain'] = attrs.domain;
  if (attrs.adapter !== undefined) out['agentstore.adapter'] = attrs.adapter;
  return out;
}

let loading: Promise<Telemetry | undefined> | undefined;

/** Imports `@opentelemetry/api` once per process; undefined when it is not installed. */
export function loadTelemetry(): Promise<Telemetry | undefined> {
  loading ??= import('@opentelemetry/api' as string).then(
    (api: OtelApi) => new Telemetry(api),
    () => undefined,
  );
  return loading;
}
