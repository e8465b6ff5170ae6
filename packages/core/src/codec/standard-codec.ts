import type { StandardSchemaV1 } from '@standard-schema/spec';
import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';
import { defaultCodec } from './index.js';

function describe(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? [])
        .map((segment) => (typeof segment === 'object' ? segment.key : segment))
        .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
        .join('');
      return `$${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Runs the schema; a schema that validates asynchronously cannot serve a synchronous codec. */
function validate<S extends StandardSchemaV1>(schema: S, value: unknown): StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    result.catch(() => {}); // the error below is the answer; an unhandled rejection would crash the process
    throw new StoreError(
      'UNSUPPORTED',
      `the ${schema['~standard'].vendor} schema validates asynchronously; a codec must validate synchronously`,
    );
  }
  return result as StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>;
}

/**
 * A codec that validates with any Standard Schema (zod 3 and 4, valibot, arktype, …): on encode
 * (`INVALID_VALUE`, storing the schema's output) and on decode (`DECODE`, naming the path), so data
 * written under an older schema that no longer fits fails loudly instead of leaking in.
 */
export function standardCodec<S extends StandardSchemaV1>(
  schema: S,
  base: Codec<unknown> = defaultCodec,
): Codec<StandardSchemaV1.InferOutput<S>> {
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new StoreError('INVALID_OPTIONS', 'a codec schema must implement Standard Schema (a "~standard" property with validate)');
  }
  const vendor = schema['~standard'].vendor;
  return {
    name: `${vendor}(${base.name})`,
    encode(value) {
      const result = validate(schema, value);
      if (result.issues) throw new StoreError('INVALID_VALUE', `value does not fit the schema: ${describe(result.issues)}`);
      return base.encode(result.value);
    },
    decode(bytes) {
      const result = validate(schema, base.decode(bytes));
      if (result.issues) throw new StoreError('DECODE', `stored value no longer fits the schema: ${describe(result.issues)}`);
      return result.value;
    },
  };
}

/** The name SPEC §4 gives `standardCodec`: it takes zod schemas, and every other Standard Schema too. */
export const zodCodec = standardCodec;
