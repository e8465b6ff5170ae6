/**
 * The field paths of LangGraph's store `index` config (`"title"`, `"meta.title"`, `"chapters[*].text"`,
 * `"authors[-1]"`, `"*"`, `"{title,meta.tags}"`, `"$"` for the whole value) and the texts they select.
 * Written to select exactly what LangGraph's own stores select, so the same item embeds the same texts.
 */

/** Splits a path into its steps: names, `[…]` index steps and `{…}` multi-field steps. */
export function tokenizePath(path: string): string[] {
  const steps: string[] = [];
  let name = '';
  const flush = () => {
    if (name !== '') steps.push(name);
    name = '';
  };
  let i = 0;
  while (i < path.length) {
    const c = path[i] as string;
    if (c === '[' || c === '{') {
      flush();
      const end = closing(path, i);
      steps.push(path.slice(i, end));
      i = end;
    } else {
      if (c === '.') flush();
      else name += c;
      i++;
    }
  }
  flush();
  return steps;
}

/** Index just past the bracket closing the one at `open` (nested brackets of the same kind count). */
function closing(path: string, open: number): number {
  const opener = path[open];
  const closer = opener === '[' ? ']' : '}';
  let depth = 1;
  let i = open + 1;
  for (; i < path.length && depth > 0; i++) {
    if (path[i] === opener) depth++;
    else if (path[i] === closer) depth--;
  }
  return i;
}

/** The texts `steps` select in `value`, in document order; `['$']` is the whole value as JSON. */
export function textsAtPath(value: unknown, steps: readonly string[]): string[] {
  if (steps.length === 0 || (steps.length === 1 && steps[0] === '$')) return [pretty(value)];
  const out: string[] = [];
  collect(value, steps, 0, out);
  return out;
}

function collect(node: unknown, steps: readonly string[], at: number, out: string[]): void {
  if (at === steps.length) {
    const text = leafText(node);
    if (text !== undefined) out.push(text);
    return;
  }
  const step = steps[at] as string;
  if (at === 0 && step === '$') out.push(pretty(node));
  if (step.startsWith('[') && step.endsWith(']')) {
    if (!Array.isArray(node)) return;
    const index = step.slice(1, -1);
    if (index === '*') {
      for (const element of node) collect(element, steps, at + 1, out);
      return;
    }
    let n = Number.parseInt(index, 10);
    if (n < 0) n += node.length;
    if (n >= 0 && n < node.length) collect(node[n], steps, at + 1, out);
  } else if (step.startsWith('{') && step.endsWith('}')) {
    if (!isObject(node)) return;
    // Each listed field is a plain dotted path, read to its end (no index or wildcard steps inside).
    for (const field of step.slice(1, -1).split(',')) {
      const names = tokenizePath(field.trim());
      if (names.length === 0) continue;
      let current: unknown = node;
      for (const name of names) current = isObject(current) && hasProperty(current, name) ? current[name] : undefined;
      // Unlike at a path's end, a null here is selected (as the text `null`).
      const text = current === null ? 'null' : leafText(current);
      if (text !== undefined) out.push(text);
    }
  } else if (step === '*') {
    if (Array.isArray(node)) for (const element of node) collect(element, steps, at + 1, out);
    else if (isObject(node)) for (const child of Object.values(node)) collect(child, steps, at + 1, out);
  } else if (isObject(node) && hasProperty(node, step)) {
    collect(node[step], steps, at + 1, out);
  }
}

/** A selected value as text: scalars as themselves, objects and arrays as indented JSON, nothing for null. */
function leafText(node: unknown): string | undefined {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (node === null || node === undefined || typeof node !== 'object') return undefined;
  return pretty(node);
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// Own properties only: an inherited name (`constructor`, `__proto__`) never selects anything.
function hasProperty(node: Record<string, unknown>, name: string): boolean {
  return Object.hasOwn(node, name);
}
