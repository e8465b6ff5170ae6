import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourEnabled, paint } from '../src/colour.js';
import { CLI_DIR, cli } from './support/cli.js';

const VERSION = (JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('CLI polish (issue 19 item 4)', () => {
  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(VERSION);
    }
  });

  it('--help shows examples and the exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ agentstore stats --data-dir/);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 error, 2 usage, 3 doctor found faults/);
  });

  it('usage errors are exit 2, as JSON under --json', async () => {
    const plain = await cli(['frobnicate']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^error USAGE: /);
    const json = await cli(['--json', 'ls']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining('domain') } });
  });

  it('colour only on a terminal, never with NO_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(paint('x', 'red', true)).toBe('\u001b[31mx\u001b[39m');
    expect(paint('x', 'red', false)).toBe('x');
  });

  it('output in a pipe has no escape codes', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).not.toContain('\u001b[');
  });
});
