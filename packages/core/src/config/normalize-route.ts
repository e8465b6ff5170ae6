import type { z } from 'zod';
import { type OptionIssue, StoreError } from '../errors.js';
import type { NormalizedRoute } from '../runtime/types.js';
import type { Adapter } from '../spi/adapter.js';
import { COMMON_OPTION_KEYS, commonOptionsSchema } from './common-options.js';

function issuesOf(error: z.ZodError, prefix: string): OptionIssue[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path], message: i.message, code: i.code }));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates a route against the registered adapters: the common options with core's schema, the rest
 * with the adapter's own. Returns the route with defaults filled and options frozen.
 */
export function normalizeRoute(route: unknown, adapters: ReadonlyMap<string, Adapter>): NormalizedRoute {
  if (!isPlainObject(route) || typeof route.adapter !== 'string') {
    throw new StoreError('INVALID_ADAPTER', 'a route must be an object { adapter: string, options? }');
  }
  const adapter = adapters.get(route.adapter);
  if (!adapter) {
    const known = [...adapters.keys()].join(', ');
    throw new StoreError('INVALID_ADAPTER', `unknown adapter "${route.adapter}" (registered: ${known})`);
  }
  const extra = Object.keys(route).filter((k) => k !== 'adapter' && k !== 'options');
  const options = route.options ?? {};
  if (!isPlainObject(options) || extra.length > 0) {
    const message = extra.length > 0 ? `unknown route keys: ${extra.join(', ')}` : 'options must be a plain object';
    throw new StoreError('INVALID_OPTIONS', message, { issues: [{ path: extra.length ? extra : ['options'], message }] });
  }
  const common: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) (COMMON_OPTION_KEYS.has(k) ? common : own)[k] = v;
  const commonResult = commonOptionsSchema.safeParse(common);
  const ownResult = adapter.optionsSchema.safeParse(own);
  const issues = [
    ...(commonResult.success ? [] : issuesOf(commonResult.error, 'options')),
    ...(ownResult.success ? [] : issuesOf(ownResult.error, 'options')),
  ];
  if (issues.length > 0 || !commonResult.success || !ownResult.success) {
    const detail = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new StoreError('INVALID_OPTIONS', `invalid options for adapter "${adapter.name}": ${detail}`, { issues });
  }
  // A strict object schema's output is an object (the adapter's own options, defaults filled).
  const merged = Object.freeze({ ...(ownResult.data as object), ...commonResult.data });
  return Object.freeze({ adapter: adapter.name, options: merged });
}
