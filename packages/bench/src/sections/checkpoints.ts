import type { Context } from '../context.js';
import { measureConcurrent } from '../measure.js';
import { comparedRow } from '../results.js';
import type { Summary } from '../stats.js';
import type { CheckpointTarget } from '../subjects/types.js';
import { runPair } from './pair.js';

/** What the checkpoint sections compare on one backend. */
export interface CheckpointSubjects {
  readonly backend: string;
  readonly agentstore: CheckpointTarget;
  readonly raw: CheckpointTarget;
  readonly rawLabel: string;
  /** Whether issue 5's targets apply (not for memory). */
  readonly targets: boolean;
}

const LIST_LIMIT = 10;

/** `loadLatest`, `list({ limit: 10 })` and `save` on a short and a long trace. */
export async function checkpointSection(ctx: Context, s: CheckpointSubjects): Promise<void> {
  const { sizes } = ctx;
  const pair = { section: 'checkpoints', backend: s.backend, baselineLabel: s.rawLabel } as const;
  let shortList: Summary | undefined;
  for (const length of sizes.traces) {
    const trace = `trace-${length}`;
    const of = `trace of ${length.toLocaleString('en-US')}`;
    ctx.progress.step(`checkpoints · fill ${of} · ${s.backend}`);
    await s.agentstore.fill(trace, length);
    await s.raw.fill(trace, length);
    await runPair(
      ctx,
      { ...pair, op: `loadLatest, ${of}`, budget: sizes.loadLatest },
      () => s.agentstore.loadLatest(trace),
      () => s.raw.loadLatest(trace),
    );
    const list = await runPair(
      ctx,
      {
        ...pair,
        op: `list({ limit: ${LIST_LIMIT} }), ${of}`,
        budget: sizes.list,
        ...(s.targets && shortList
          ? {
              targets: (ours: Summary) => [
                { text: `p50 ≤ 1.5× the ${sizes.traces[0]}-trace p50`, pass: ours.p50Us <= 1.5 * (shortList as Summary).p50Us },
              ],
            }
          : {}),
      },
      () => s.agentstore.list(trace, LIST_LIMIT),
      () => s.raw.list(trace, LIST_LIMIT),
    );
    shortList ??= list.summary;
    await runPair(
      ctx,
      { ...pair, op: `save, ${of}`, budget: sizes.save },
      (i) => s.agentstore.save(trace, length + i),
      (i) => s.raw.save(trace, length + i),
    );
  }
}

const IN_FLIGHT = 100;

/**
 * `strict` durability: saves awaited one at a time (against the raw driver's synced write), then
 * 100 saves in flight at once on 100 traces; the second row's ratio is the group-commit gain.
 */
export async function groupCommitSection(ctx: Context, s: CheckpointSubjects): Promise<void> {
  const { sizes } = ctx;
  const serial = await runPair(
    ctx,
    {
      section: 'group commit',
      op: 'save strict, one at a time',
      backend: s.backend,
      baselineLabel: `${s.rawLabel} (synced)`,
      budget: sizes.strictSerial,
    },
    (i) => s.agentstore.save('strict-serial', i),
    (i) => s.raw.save('strict-serial', i),
  );
  ctx.progress.step(`group commit · ${IN_FLIGHT} strict saves in flight · ${s.backend}`);
  globalThis.gc?.();
  const rec = await measureConcurrent(
    (i) => s.agentstore.save(`agent-${i % IN_FLIGHT}`, i),
    IN_FLIGHT,
    sizes.strictRounds,
    1,
    sizes.strictSerial.maxMs,
  );
  const ours = rec.summary();
  const ours1 = serial.summary as Summary;
  const row = comparedRow(
    {
      section: 'group commit',
      op: `save strict, ${IN_FLIGHT} in flight`,
      backend: s.backend,
      note: 'ratio against agentstore one at a time',
      ...(s.targets ? { targets: [{ text: '≥ 10× one at a time', pass: ours.opsPerSec >= 10 * ours1.opsPerSec }] } : {}),
    },
    ours,
    ours1,
    'agentstore one at a time',
  );
  ctx.results.add(row);
}
