/** Option names whose values are secrets: never written to the manifest. */
const SECRET_NAME = /pass(word)?|secret|token|credential|api_?key/i;

/** `value` without the password of a URL it holds (`postgres://u:pw@h/db` → `postgres://u@h/db`). */
function withoutUrlPassword(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '';
    for (const name of [...url.searchParams.keys()]) if (SECRET_NAME.test(name)) url.searchParams.delete(name);
    return url.toString();
  } catch {
    return value;
  }
}

/**
 * The options of a route as the manifest records them: plain data without secrets (options named like
 * a password or token are left out, a URL loses its password). A later process supplies those from its
 * own environment (`PGPASSWORD`, `~/.pgpass`) or config file.
 */
export function publicOptions(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (SECRET_NAME.test(name)) continue;
    if (value === undefined || typeof value === 'function') continue;
    out[name] = typeof value === 'string' ? withoutUrlPassword(value) : value;
  }
  return out;
}
