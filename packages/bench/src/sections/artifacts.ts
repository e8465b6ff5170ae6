/**
 * Artifacts (issue 8): 1 MiB blobs through `store.artifacts` against the raw driver writing the same
 * bytes as one value with the same durability — sequential puts without a budget, puts into a full
 * budgeted domain (each evicts the least recently used blob; the raw side deletes the oldest key in the
 * same commit), 8 puts in flight, and gets of stored blobs (a hit records its use in memory, issue 17:
 * target ≥ 0.7× a raw read of the same bytes). Rows carry MB/s (1 MB = 10^6 bytes).
 */
import type { Context } from '../context.js';
import { ARTIFACT_BYTES, ARTIFACT_EVICT_KEYS, ARTIFACT_GET_KEYS, ARTIFACT_PUT_KEYS, BUDGET_BLOBS, GET_BLOBS } from '../data.js';
import { measureConcurrent } from '../measure.js';
import { comparedRow, type TargetCheck } from '../results.js';
import type { Summary } from '../stats.js';
import type { ArtifactTarget } from '../subjects/types.js';
import { runPair } from './pair.js';

/** What the artifacts section compares on one backend. */
export interface ArtifactSubjects {
  readonly backend: string;
  readonly agentstore: ArtifactTarget;
  readonly raw: ArtifactTarget;
  readonly rawLabel: string;
}

const IN_FLIGHT = 8;
/** Issue 8's write-throughput target on lmdb (LLMDB's design figure). */
const LMDB_MB_S = 250;

/** Throughput of a row in MB/s (10^6 bytes per second) of 1 MiB blobs. */
export const mbPerSec = (s: Summary): number => (s.opsPerSec * ARTIFACT_BYTES) / 1e6;
const mb = (s: Summary): string => `${mbPerSec(s).toFixed(1)} MB/s`;

/** The artifacts rows on one backend. */
export async function artifactsSection(ctx: Context, s: ArtifactSubjects): Promise<void> {
  const { sizes } = ctx;
  const pair = { section: 'artifacts', backend: s.backend, baselineLabel: s.rawLabel } as const;
  const notes = (extra?: string) => (ours: Summary, theirs: Summary) => ({
    ours: extra ? `${mb(ours)}; ${extra}` : mb(ours),
    theirs: mb(theirs),
  });
  const putsBefore = sizes.artifactPut.ops + sizes.artifactPut.warmup + 1;
  ARTIFACT_PUT_KEYS.warm(putsBefore + (sizes.artifactConcurrentRounds + 2) * IN_FLIGHT);
  ARTIFACT_EVICT_KEYS.warm(BUDGET_BLOBS + sizes.artifactEvict.ops + sizes.artifactEvict.warmup + 1);
  ARTIFACT_GET_KEYS.warm(GET_BLOBS);

  const serial = await runPair(
    ctx,
    {
      ...pair,
      op: 'put 1 MiB (no budget)',
      budget: sizes.artifactPut,
      notes: notes(),
      ...(s.backend === 'lmdb'
        ? {
            targets: (ours: Summary, theirs: Summary): TargetCheck[] => [
              { text: `≥ ${LMDB_MB_S} MB/s`, pass: mbPerSec(ours) >= LMDB_MB_S },
              { text: 'ops/s ≥ 0.7× raw', pass: ours.opsPerSec >= 0.7 * theirs.opsPerSec },
            ],
          }
        : {}),
    },
    (i) => s.agentstore.put(i),
    (i) => s.raw.put(i),
  );

  ctx.progress.step(`artifacts · fill the budgeted domain · ${s.backend}`);
  for (let i = 0; i < BUDGET_BLOBS; i++) {
    await s.agentstore.putEvicting(i);
    await s.raw.putEvicting(i);
  }
  await runPair(
    ctx,
    {
      ...pair,
      op: `put 1 MiB, budget full (evicts 1 per put)`,
      budget: sizes.artifactEvict,
      baselineLabel: `${s.rawLabel} (put + delete)`,
      notes: notes(`budget ${BUDGET_BLOBS} MiB`),
    },
    (i) => s.agentstore.putEvicting(BUDGET_BLOBS + i),
    (i) => s.raw.putEvicting(BUDGET_BLOBS + i),
  );

  ctx.progress.step(`artifacts · ${IN_FLIGHT} puts in flight · ${s.backend}`);
  globalThis.gc?.();
  const rec = await measureConcurrent(
    (i) => s.agentstore.put(putsBefore + i),
    IN_FLIGHT,
    sizes.artifactConcurrentRounds,
    1,
    sizes.artifactPut.maxMs,
  );
  const ours = rec.summary();
  const ours1 = serial.summary as Summary;
  ctx.results.add(
    comparedRow(
      {
        section: 'artifacts',
        op: `put 1 MiB, ${IN_FLIGHT} in flight`,
        backend: s.backend,
        note: `${mb(ours)}; ratio against agentstore one at a time`,
      },
      ours,
      ours1,
      'agentstore one at a time',
    ),
  );

  ctx.progress.step(`artifacts · fill ${GET_BLOBS} blobs for get · ${s.backend}`);
  await s.agentstore.fillGets();
  await s.raw.fillGets();
  await runPair(
    ctx,
    {
      ...pair,
      op: `get 1 MiB (hit, of ${GET_BLOBS})`,
      budget: sizes.artifactGet,
      notes: notes('records the use in memory; the LRU index is written in batches'),
      // Issue 17: a hit costs about one read of the same bytes (the memory backend carries no targets).
      ...(s.backend === 'memory'
        ? {}
        : {
            targets: (ours: Summary, theirs: Summary): TargetCheck[] => [
              { text: 'ops/s ≥ 0.7× raw', pass: ours.opsPerSec >= 0.7 * theirs.opsPerSec },
            ],
          }),
    },
    (i) => s.agentstore.get(i),
    (i) => s.raw.get(i),
  );
}
