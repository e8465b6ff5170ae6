import type { z } from 'zod';
import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';
import { defaultCodec } from './index.js';

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`).join('; ');
}

/**
 * A codec that validates with a zod schema: on encode (`INVALID_VALUE`) and on decode (`DECODE`, naming
 * the path), so data written under an older schema that no longer fits fails loudly instead of leaking in.
 */
export function zodCodec<S extends z.ZodType>(schema: S, base: Codec<unknown> = defaultCodec): Codec<z.output<S>> {
  return {
    name: `zod(${base.name})`,
    encode(value) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new StoreError('INVALID_VALUE', `value does not fit the schema: ${describe(parsed.error)}`);
      return base.encode(parsed.data);
    },
    decode(bytes) {
      const parsed = schema.safeParse(base.decode(bytes));
      if (!parsed.success) throw new StoreError('DECODE', `stored value no longer fits the schema: ${describe(parsed.error)}`);
      return parsed.data;
    },
  };
}
