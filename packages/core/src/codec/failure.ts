import { StoreError } from '../errors.js';
import { DECODE_LIMITS } from './limits.js';

/**
 * Thrown inside an encoder walk and annotated with path segments while it unwinds, so the happy path
 * pays nothing for error paths: only a failing walk builds the `$.a.b[3]` string.
 */
export class EncodeFailure {
  /** Path segments, innermost first (`.a`, `[3]`, `<value 2>`). */
  readonly segments: string[] = [];
  /** The containers the failure unwound through, innermost first (to tell a cycle from deep nesting). */
  readonly containers: unknown[] = [];

  constructor(
    readonly reason: string,
    /** For depth failures: the container that went too deep. */
    readonly offender?: unknown,
    readonly cause?: unknown,
  ) {}
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path segment for an object property. */
export function propSegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Adds one level to a failure unwinding out of `container` through `segment`; errors that are not
 * ours (a throwing Proxy, an object faking a built-in's prototype) become failures too, so they also
 * get a path. StoreErrors (say VALUE_TOO_LARGE) pass through untouched.
 */
export function annotate(err: unknown, segment: string, container: unknown): unknown {
  if (err instanceof StoreError) return err;
  const failure = err instanceof EncodeFailure ? err : new EncodeFailure(`cannot encode (${errorText(err)})`, undefined, err);
  failure.segments.push(segment);
  failure.containers.push(container);
  return failure;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pathOf(segments: readonly string[]): string {
  // Outermost first; very deep paths are shortened so messages stay readable.
  if (segments.length <= 24) return `$${segments.join('')}`;
  return `$${segments.slice(0, 12).join('')}…(${segments.length - 18} more)…${segments.slice(-6).join('')}`;
}

/** Converts anything an encoder walk threw into the StoreError the codec reports. */
export function toInvalidValue(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const failure = err instanceof EncodeFailure ? err : new EncodeFailure(`cannot encode (${errorText(err)})`, undefined, err);
  const segments = failure.segments.slice().reverse();
  if (failure.offender !== undefined) {
    // A depth failure: if some container repeats along the chain, the value is cyclic; report where
    // the first back-reference sits rather than the path 1000 levels down.
    const chain = [...failure.containers.slice().reverse(), failure.offender];
    const seen = new Set<unknown>();
    for (let j = 0; j < chain.length; j++) {
      if (seen.has(chain[j])) {
        return new StoreError('INVALID_VALUE', `cycle at ${pathOf(segments.slice(0, j))}`);
      }
      seen.add(chain[j]);
    }
  }
  const options = failure.cause === undefined ? {} : { cause: failure.cause };
  return new StoreError('INVALID_VALUE', `${failure.reason} at ${pathOf(segments)}`, options);
}

/** The failure for a container nested deeper than `DECODE_LIMITS.maxDepth`. */
export function tooDeep(container: unknown): EncodeFailure {
  return new EncodeFailure(`nesting deeper than ${DECODE_LIMITS.maxDepth} levels`, container);
}
