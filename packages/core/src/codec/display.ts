/**
 * Values as plain JSON a person, `jq` or a model can read: what JSON cannot say is tagged,
 * `{"$bigint": "12"}`, `{"$date": "…"}`, `{"$map": [[k, v], …]}`, `{"$set": […]}`,
 * `{"$bytes": "<base64>"}`. Display only (the CLI's `get`/`ls`, the MCP server): `export` writes raw
 * entry bytes, which is what makes it lossless.
 */
export function toDisplay(value: unknown, seen = new Set<object>()): unknown {
  switch (typeof value) {
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return { $unsupported: typeof value };
  }
  if (value === null) return null;
  if (seen.has(value)) return { $cycle: true };
  seen.add(value);
  try {
    if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() };
    if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (ArrayBuffer.isView(value))
      return { $typed: value.constructor.name, values: Array.from(value as unknown as ArrayLike<unknown>, (v) => toDisplay(v, seen)) };
    if (value instanceof RegExp) return { $regexp: String(value) };
    if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toDisplay(k, seen), toDisplay(v, seen)]) };
    if (value instanceof Set) return { $set: [...value].map((v) => toDisplay(v, seen)) };
    if (Array.isArray(value)) return value.map((v) => toDisplay(v, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toDisplay(v, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}
