/**
 * Issue 18 item 6 under SIGKILL: writers put, correct and `retract(key, { validFrom, validTo? })` facts
 * on keys they share (2 processes where `multiProcess`, else 1) and are killed mid-load. After every
 * kill the reopened store holds every acknowledged op once, whole and as that op wrote it (a retraction
 * has no value and its own interval; nothing is half-written), nothing no writer issued, commit times
 * that never go back within a key and fall inside each op's call, ops that ran one after the other in
 * that order; `scan({ asOfValid, asOfTx })` and `get` answer, at each acknowledged retraction's own
 * (validFrom, txTime) and at random points, what the histories say (a retraction hides its key); and
 * the next put on each key lands after the last version (the key heads were whole). Negative controls
 * in every round: an acknowledgement of an op never made is reported missing, and a history without
 * one decisive retraction disagrees with `scan`. `AGENTSTORE_VERSIONED_CRASH_ROUNDS` sets the rounds (default 3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildHandle, killAllChildren, release, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';
import { persistentAdapters } from './kinds/adapters.js';
import { type KindsTarget, withTarget } from './kinds/open.js';
import {
  answerOf,
  checkHistories,
  checkScans,
  type FactAck,
  type Histories,
  type Probe,
  readHistories,
  sentinel,
} from './kinds/versioned-check.js';
import { FACT_KEYS, type FactValue, factOp, OPS_PER_WRITER, PARENT_WRITER, VALID_BASE } from './kinds/versioned-values.js';

const ROUNDS = Number(process.env.AGENTSTORE_VERSIONED_CRASH_ROUNDS ?? 3);
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const LANES = 2;
/** Acknowledged retractions of a round whose (validFrom, txTime) `scan` is checked at. */
const RETRACT_PROBES = 40;

interface Ack extends Message {
  readonly k: number;
  readonly before: number;
  readonly after: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(persistentAdapters.map((a) => [a.name, a.capabilities.multiProcess ? 2 : 1] as const))(
  'versioned facts under SIGKILL: %s',
  (name, writers) => {
    it(`${ROUNDS} rounds × ${writers} writer(s) killed mid-load: acknowledged retractions in history and scans, nothing half-written`, {
      timeout: 60_000 + ROUNDS * 30_000,
    }, async () => {
      const target: KindsTarget = { dataDir: dirs.make('versioned-crash'), adapter: name };
      const rng = new Rng((SEED + name.length * 7_919) >>> 0);
      const acks: FactAck[] = [];
      const issued = new Map<string, number>();
      const problems: string[] = [];
      let inFlightKept = 0;
      let decisive = 0;
      let controls = 0;
      let versions = 0;
      for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
        const children: ChildHandle[] = Array.from({ length: writers }, (_, w) =>
          spawnChild(`versioned-${name}-r${round}-w${w}`, '../kinds/versioned-writer.ts', { target, writer: w, round, lanes: LANES }),
        );
        await Promise.all(children.map((child) => child.take('loaded', 60_000)));
        await Promise.all(
          children.map(async (child) => {
            release([child]);
            await child.take('ack', 60_000);
            await sleep(rng.int(50, 400));
            await child.kill();
          }),
        );
        const roundAcks: FactAck[] = [];
        children.forEach((child, w) => {
          let top = -1;
          for (const m of child.messages) {
            if (m.t === 'ack') {
              const a = m as Ack;
              roundAcks.push({ w, r: round, k: a.k, before: a.before, after: a.after });
              top = Math.max(top, a.k);
            } else if (m.t === 'error') problems.push(`round ${round} writer ${w} error: ${String(m.code)} ${String(m.message)}`);
          }
          // At most one op per lane was in flight past the highest acknowledged one.
          issued.set(`${w}/${round}`, top + 1 + LANES);
          if (child.exit?.signal !== 'SIGKILL') problems.push(`round ${round} writer ${w} was not killed: ${JSON.stringify(child.exit)}`);
        });
        acks.push(...roundAcks);

        await withTarget(target, async (store) => {
          const histories = await readHistories(store);
          versions = histories.reduce((n, h) => n + h.length, 0);
          const { problems: found, found: where } = checkHistories(histories, acks, (w, r) => issued.get(`${w}/${r}`) ?? 0);
          problems.push(...found.map((p) => `round ${round}: ${p}`));
          const ackedIds = acked(acks);
          inFlightKept = [...where.keys()].filter((id) => !ackedIds.has(id) && !id.startsWith(`${PARENT_WRITER}/`)).length;

          // Scans at each acknowledged retraction's own point, and at random points of both axes.
          const probes: Probe[] = [];
          let decisiveOne: { i: number; probe: Probe; at: number } | undefined;
          for (const a of roundAcks.filter((x) => factOp(x.w, x.r, x.k).kind === 'retract').slice(-RETRACT_PROBES)) {
            const spot = where.get(`${a.w}/${a.r}/${a.k}`);
            if (spot === undefined) continue;
            const probe = { asOfValid: spot.fact.validFrom, asOfTx: spot.fact.txTime };
            probes.push(probe);
            // Decisive: the retraction answers here and hides a value that would answer without it.
            const history = histories[spot.i] ?? [];
            const hidden = answerOf(
              history.filter((f) => f !== spot.fact),
              probe,
            );
            if (answerOf(history, probe) === spot.fact && hidden !== undefined && hidden.kind !== 'retract') {
              decisive++;
              decisiveOne ??= { i: spot.i, probe, at: spot.at };
            }
          }
          const txTimes = histories.flat().map((f) => f.txTime);
          const [firstTx, lastTx] = [Math.min(...txTimes), Math.max(...txTimes)];
          for (let p = 0; p < 10; p++) {
            const asOfValid = VALID_BASE + rng.int(0, (round * 16 + writers) * OPS_PER_WRITER + 500_000);
            probes.push(p % 3 === 0 ? { asOfValid } : { asOfValid, asOfTx: rng.int(firstTx, lastTx) });
          }
          const sampled = Array.from({ length: 4 }, () => rng.int(0, FACT_KEYS - 1));
          problems.push(...(await checkScans(store, histories, probes, sampled)).map((p) => `round ${round}: ${p}`));

          // Negative controls: the checks see a lost op and a lost retraction.
          const fake = checkHistories(histories, [{ w: 0, r: round, k: OPS_PER_WRITER - 1, before: 0, after: 0 }], () => OPS_PER_WRITER);
          if (!fake.problems.some((p) => p.includes('missing'))) problems.push(`round ${round}: the check did not see a missing op`);
          else controls++;
          if (decisiveOne !== undefined) {
            const without: Histories = histories.map((h, i) => (i === decisiveOne.i ? h.filter((_, at) => at !== decisiveOne.at) : h));
            if ((await checkScans(store, without, [decisiveOne.probe])).length === 0)
              problems.push(`round ${round}: scan agreed with a history that lost a retraction`);
            else controls++;
          }

          // The key heads are whole: a put lands right after the last version and answers `get`.
          const facts = store.versioned<FactValue>('facts');
          for (let i = 0; i < FACT_KEYS; i++) {
            const op = sentinel(round, i);
            await facts.put(op.key, op.value as FactValue, { validFrom: op.validFrom });
            const history = await facts.history(op.key);
            const last = history.at(-1);
            if (history.length !== (histories[i]?.length ?? 0) + 1 || last?.validFrom !== op.validFrom)
              problems.push(
                `round ${round}: key ${i} has ${history.length} versions after a put on ${histories[i]?.length}, last ${JSON.stringify(last)}`,
              );
            if (JSON.stringify(await facts.get(op.key)) !== JSON.stringify(op.value))
              problems.push(`round ${round}: key ${i} does not answer its last put`);
          }
        });
      }
      const retracts = acks.filter((a) => factOp(a.w, a.r, a.k).kind === 'retract').length;
      console.log(
        `[reliability] versioned crash ${name}: ${ROUNDS} rounds × ${writers} writers, ${acks.length} ops acknowledged (${retracts} retractions, ` +
          `${decisive} decisive in scans), ${inFlightKept} unacknowledged kept, ${versions} versions, ${controls} controls, ${problems.length} problems, seed ${SEED}`,
      );
      recordFigures(`versioned crash ${name}`, {
        'kill rounds': ROUNDS,
        acknowledged: acks.length,
        retractions: retracts,
        'unacknowledged kept': inFlightKept,
        'negative control': controls,
        problems: problems.length,
      });
      expect(problems.slice(0, 20)).toEqual([]);
      expect(retracts).toBeGreaterThan(ROUNDS);
      expect(decisive).toBeGreaterThan(0);
      expect(controls).toBeGreaterThan(ROUNDS);
    });
  },
);

/** Ids (`w/r/k`) of the acknowledged ops. */
function acked(acks: readonly FactAck[]): Set<string> {
  return new Set(acks.map((a) => `${a.w}/${a.r}/${a.k}`));
}
