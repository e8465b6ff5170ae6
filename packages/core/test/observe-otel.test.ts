import { metrics, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../src/index.js';

// A minimal in-test SDK: a tracer provider and a meter provider that keep what they are given.
interface Span {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
  ended: boolean;
}
const spans: Span[] = [];
const counted: Array<Record<string, unknown>> = [];
const durations: number[] = [];

beforeAll(() => {
  const tracer = {
    startSpan(name: string, options?: { attributes?: Record<string, unknown> }) {
      const span: Span = { name, attributes: { ...options?.attributes }, ended: false };
      spans.push(span);
      return {
        setAttribute(k: string, v: unknown) {
          span.attributes[k] = v;
        },
        setStatus(s: { code: number; message?: string }) {
          span.status = s;
        },
        end() {
          span.ended = true;
        },
      };
    },
  };
  trace.setGlobalTracerProvider({ getTracer: () => tracer } as never);
  const meter = {
    createCounter: () => ({ add: (_n: number, attrs: Record<string, unknown>) => void counted.push(attrs) }),
    createHistogram: () => ({ record: (ms: number) => void durations.push(ms) }),
  };
  metrics.setGlobalMeterProvider({ getMeter: () => meter } as never);
});

describe('OpenTelemetry, when @opentelemetry/api is installed and an SDK registered', () => {
  it('creates a span per operation and counts it, with the error code on failures', async () => {
    const store = await createStore('memory:');
    await store.kv('notes').put('k', 1);
    await expect(store.kv('notes').put([], 1)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await store.close();
    expect(spans.slice(0, 2)).toEqual([
      {
        name: 'agentstore.kv.put',
        attributes: {
          'agentstore.kind': 'kv',
          'agentstore.operation': 'put',
          'agentstore.domain': 'notes',
          'agentstore.adapter': 'memory',
        },
        ended: true,
      },
      {
        name: 'agentstore.kv.put',
        attributes: expect.objectContaining({ 'agentstore.error_code': 'INVALID_KEY' }),
        status: { code: 2, message: 'INVALID_KEY' },
        ended: true,
      },
    ]);
    expect(spans.at(-1)).toMatchObject({ name: 'agentstore.store.close', ended: true });
    expect(counted.length).toBe(spans.length);
    expect(counted[1]).toMatchObject({ 'agentstore.operation': 'put', 'agentstore.error_code': 'INVALID_KEY' });
    expect(durations.length).toBe(spans.length);
  });
});
