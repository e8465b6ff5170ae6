/**
 * AgentstoreStore with an index under SIGKILL: a writer process puts and deletes indexed items until it
 * is killed mid-run. After each round the reopened store holds, per key, the last acknowledged state
 * or the one operation in flight, and a semantic search scores every item from its current value's
 * texts (never from a replaced or unfinished version's vectors).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentstoreStore } from '../src/index.js';
import { crashValue, KEYS } from './support/crash-values.js';
import { DIMS, embedText } from './support/embeddings.js';
import { openStore } from './support/stores.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 3;

interface Op {
  readonly key: string;
  readonly i: number | null;
}

/** Runs one writer until SIGKILL after `runMs`; returns its acknowledged ops and the one in flight. */
async function runWriter(
  dataDir: string,
  adapter: string,
  first: number,
  runMs: number,
): Promise<{ acked: Op[]; inFlight: Op | undefined }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'store-writer.ts'), dataDir, adapter, String(first)],
    {
      cwd: join(here, '..', '..', '..'),
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const acked: Op[] = [];
  let tried: Op | undefined;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let killTimer: NodeJS.Timeout | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') killTimer = setTimeout(() => child.kill('SIGKILL'), runMs);
    else if (line.startsWith('try ')) tried = JSON.parse(line.slice(4)) as Op;
    else if (line.startsWith('ack ')) {
      acked.push(JSON.parse(line.slice(4)) as Op);
      tried = undefined;
    }
  }
  await exited;
  clearTimeout(killTimer);
  if (killTimer === undefined) throw new Error(`the writer never got ready: ${stderr}`);
  return { acked, inFlight: tried };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

describe.each(['sqlite', 'lmdb'] as const)('AgentstoreStore with an index under SIGKILL on %s', (adapter) => {
  it(`${ROUNDS} rounds: per key the acknowledged state or the op in flight; scores from current values only`, {
    timeout: 180_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), `agentstore-store-crash-${adapter}-`));
    try {
      const state = new Map<string, number | null>();
      let acks = 0;
      let checkedScores = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { acked, inFlight } = await runWriter(dir, adapter, round * 100_000 + 1, 400 + round * 250);
        acks += acked.length;
        for (const op of acked) state.set(op.key, op.i);
        const { store, destroy } = await openStore(adapter, dir);
        try {
          const items = new AgentstoreStore(store, {
            index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t', 'extra[*]'] },
          });
          const live = new Map<string, number>();
          for (let k = 0; k < KEYS; k++) {
            const key = `k${k}`;
            const got = ((await items.get(['c'], key))?.value.i as number | undefined) ?? null;
            const allowed = [state.get(key) ?? null, ...(inFlight?.key === key ? [inFlight.i] : [])];
            expect({ key, got, allowed: allowed.includes(got) }).toEqual({ key, got, allowed: true });
            if (got !== null) live.set(key, got);
          }
          for (const query of ['lunar orbit', 'bread note', 'zebra budget item']) {
            const q = embedText(query);
            const results = await items.search(['c'], { query, limit: 100 });
            expect(results.map((r) => r.key).sort()).toEqual([...live.keys()].sort());
            for (const r of results) {
              const { value, index } = crashValue(r.value.i as number);
              if (index === false) expect(r.score).toBeUndefined();
              else {
                const best = Math.max(...[value.t, ...(value.extra ?? [])].map((t) => cosine(q, embedText(t))));
                expect(Math.abs((r.score as number) - best)).toBeLessThan(1e-6);
                checkedScores++;
              }
            }
          }
        } finally {
          await destroy();
        }
      }
      // The rounds did real work: many acknowledged operations and scored results checked.
      expect(acks).toBeGreaterThan(30);
      expect(checkedScores).toBeGreaterThan(30);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
