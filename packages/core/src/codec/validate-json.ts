import { describeUnsupportedObject, describeUnsupportedPrimitive } from './describe.js';
import { annotate, EncodeFailure, propSegment, tooDeep } from './failure.js';
import { DECODE_LIMITS } from './limits.js';

function checkNumber(n: number): void {
  if (Number.isNaN(n)) throw new EncodeFailure('JSON cannot hold NaN');
  if (!Number.isFinite(n)) throw new EncodeFailure(`JSON cannot hold ${n}`);
  if (n === 0 && 1 / n < 0) throw new EncodeFailure('JSON cannot hold -0 (it reads back as 0)');
}

function checkArray(a: unknown[], depth: number): void {
  if (depth >= DECODE_LIMITS.maxDepth) throw tooDeep(a);
  let i = 0;
  try {
    for (; i < a.length; i++) {
      if (!(i in a)) throw new EncodeFailure('JSON cannot hold an array hole (it reads back as null)');
      checkValue(a[i], depth + 1);
    }
  } catch (err) {
    throw annotate(err, `[${i}]`, a);
  }
}

function checkObject(o: object, depth: number): void {
  if (depth >= DECODE_LIMITS.maxDepth) throw tooDeep(o);
  if (Object.getOwnPropertySymbols(o).length > 0) {
    throw new EncodeFailure('JSON cannot hold symbol-keyed properties');
  }
  let key = '';
  try {
    for (key of Object.keys(o)) {
      const desc = Object.getOwnPropertyDescriptor(o, key);
      if (desc === undefined || !('value' in desc)) throw new EncodeFailure('cannot encode an accessor property');
      checkValue(desc.value, depth + 1);
    }
  } catch (err) {
    throw annotate(err, propSegment(key), o);
  }
}

/**
 * Throws an `EncodeFailure` (with a path) unless `value` survives `JSON.parse(JSON.stringify(value))`
 * unchanged: only null, booleans, finite numbers other than -0, strings, dense arrays and plain objects.
 */
export function checkValue(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      checkNumber(value);
      return;
    case 'undefined':
      throw new EncodeFailure('JSON cannot hold undefined');
    case 'bigint':
      throw new EncodeFailure('JSON cannot hold a bigint');
    case 'object': {
      if (value === null) return;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        checkObject(value, depth);
        return;
      }
      if (proto === Array.prototype) {
        checkArray(value as unknown[], depth);
        return;
      }
      if (value instanceof Date) throw new EncodeFailure('JSON cannot hold a Date (it reads back as a string)');
      if (value instanceof Map || value instanceof Set || value instanceof RegExp) {
        throw new EncodeFailure(`JSON cannot hold a ${(value as object).constructor.name}`);
      }
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw new EncodeFailure('JSON cannot hold binary data (use the default or raw codec)');
      }
      throw new EncodeFailure(describeUnsupportedObject(value));
    }
    default:
      throw new EncodeFailure(describeUnsupportedPrimitive(value));
  }
}
