/**
 * Parent side of the versioned crash test: reads every fact key's history and checks it against the
 * acknowledged ops, then checks `scan` and `get` at chosen (asOfValid, asOfTx) points against the
 * answer computed from those histories.
 */
import type { Store } from '@agentstore/core';
import {
  FACT_KEYS,
  type FactOp,
  type FactValue,
  factOp,
  OPS_PER_WRITER,
  opOfValidFrom,
  PARENT_WRITER,
  VALID_BASE,
} from './versioned-values.js';

/** One version as `history` returns it. */
export interface Fact {
  readonly kind: 'put' | 'correct' | 'retract';
  readonly value?: FactValue;
  readonly txTime: number;
  readonly validFrom: number;
  readonly validTo?: number;
}

/** An acknowledged op: its writer, round and number, and the clock around it in the writer. */
export interface FactAck {
  readonly w: number;
  readonly r: number;
  readonly k: number;
  readonly before: number;
  readonly after: number;
}

/** A point of the two time axes; `asOfTx` undefined: everything committed. */
export interface Probe {
  readonly asOfValid: number;
  readonly asOfTx?: number;
}

/** Histories of every fact key, by key index. */
export type Histories = Fact[][];

const factsOf = (store: Store) => store.versioned<FactValue>('facts');

/** Reads the history of every fact key. */
export async function readHistories(store: Store): Promise<Histories> {
  const facts = factsOf(store);
  return Promise.all(Array.from({ length: FACT_KEYS }, (_, i) => facts.history(['fact', i]) as Promise<Fact[]>));
}

/** The parent's sentinel put on key `i` after round `r`. */
export function sentinel(r: number, i: number): FactOp {
  const validFrom = VALID_BASE + (r * 16 + PARENT_WRITER) * OPS_PER_WRITER + i;
  return { w: PARENT_WRITER, r, k: i, key: ['fact', i], kind: 'put', validFrom, value: { w: PARENT_WRITER, r, k: i, pad: '' } };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What is wrong with the histories: a version no op issued (or not as that op wrote it), commit times
 * going back, an acknowledged op missing or stamped outside its call, two ops on one key that ran one
 * after the other recorded in the other order. `issued(w, r)` is how many ops writer w may have begun
 * in round r. Returns the problems and, per acknowledged op, where it is (key index, position).
 */
export function checkHistories(
  histories: Histories,
  acks: readonly FactAck[],
  issued: (w: number, r: number) => number,
): { problems: string[]; found: Map<string, { i: number; at: number; fact: Fact }> } {
  const problems: string[] = [];
  const found = new Map<string, { i: number; at: number; fact: Fact }>();
  histories.forEach((history, i) => {
    let lastTx = Number.NEGATIVE_INFINITY;
    history.forEach((fact, at) => {
      const { w, r, k } = opOfValidFrom(fact.validFrom);
      const op = w === PARENT_WRITER ? sentinel(r, k) : factOp(w, r, k);
      const id = `${w}/${r}/${k}`;
      if (w !== PARENT_WRITER && k >= issued(w, r)) problems.push(`key ${i}: version ${at} is op ${id}, never issued`);
      const expected = { kind: op.kind, value: op.value, validFrom: op.validFrom, validTo: op.validTo };
      const got = { kind: fact.kind, value: fact.value, validFrom: fact.validFrom, validTo: fact.validTo };
      if (op.key[1] !== i || !same(got, expected))
        problems.push(`key ${i}: version ${at} is ${JSON.stringify(got)}, op ${id} wrote ${JSON.stringify(expected)} to key ${op.key[1]}`);
      if (fact.txTime < lastTx) problems.push(`key ${i}: version ${at} committed at ${fact.txTime}, after one at ${lastTx}`);
      lastTx = fact.txTime;
      if (found.has(id)) problems.push(`key ${i}: op ${id} recorded twice`);
      found.set(id, { i, at, fact });
    });
  });
  const byKey = new Map<number, Array<FactAck & { at: number }>>();
  for (const a of acks) {
    const id = `${a.w}/${a.r}/${a.k}`;
    const where = found.get(id);
    if (where === undefined) {
      problems.push(`acknowledged op ${id} (${factOp(a.w, a.r, a.k).kind}) is missing`);
      continue;
    }
    const { txTime } = where.fact;
    if (txTime < a.before || txTime > a.after) problems.push(`op ${id} committed at ${txTime}, its call ran ${a.before}..${a.after}`);
    const list = byKey.get(where.i) ?? [];
    list.push({ ...a, at: where.at });
    byKey.set(where.i, list);
  }
  for (const [i, list] of byKey)
    for (const a of list)
      for (const b of list)
        if (a.after < b.before && a.at > b.at)
          problems.push(`key ${i}: op ${a.w}/${a.r}/${a.k} ended before ${b.w}/${b.r}/${b.k} began, recorded after it`);
  return { problems, found };
}

/** The version that answers `probe` for one key: the last in commit order known at asOfTx and valid at asOfValid. */
export function answerOf(history: readonly Fact[], probe: Probe): Fact | undefined {
  const txLimit = probe.asOfTx ?? Number.POSITIVE_INFINITY;
  let answer: Fact | undefined;
  for (const f of history)
    if (f.txTime <= txLimit && f.validFrom <= probe.asOfValid && probe.asOfValid < (f.validTo ?? Number.POSITIVE_INFINITY)) answer = f;
  return answer;
}

/** What `scan` should list at `probe`, computed from the histories. */
function expectedScan(histories: Histories, probe: Probe) {
  const out: Array<{ key: unknown; value: unknown; txTime: number; validFrom: number; validTo?: number }> = [];
  // Key order of ['fact', i] is numeric order of i.
  histories.forEach((history, i) => {
    const f = answerOf(history, probe);
    if (f === undefined || f.kind === 'retract') return;
    out.push({
      key: ['fact', i],
      value: f.value,
      txTime: f.txTime,
      validFrom: f.validFrom,
      ...(f.validTo === undefined ? {} : { validTo: f.validTo }),
    });
  });
  return out;
}

/** Where `scan` (and `get` on `keys`) at each probe differ from the answer the histories give. */
export async function checkScans(
  store: Store,
  histories: Histories,
  probes: readonly Probe[],
  keys: readonly number[] = [],
): Promise<string[]> {
  const facts = factsOf(store);
  const problems: string[] = [];
  for (const probe of probes) {
    const got = await facts.scan({ prefix: ['fact'], ...probe });
    const want = expectedScan(histories, probe);
    if (!same(got, want)) {
      const gotKeys = got.map((e) => (e.key as [string, number])[1]).join(',');
      const wantKeys = want.map((e) => (e.key as [string, number])[1]).join(',');
      problems.push(
        `scan at ${JSON.stringify(probe)} lists keys [${gotKeys}], the histories say [${wantKeys}]${gotKeys === wantKeys ? ' (entries differ)' : ''}`,
      );
    }
  }
  for (const i of keys) {
    const history = histories[i] ?? [];
    for (const probe of probes) {
      const f = answerOf(history, probe);
      const got = await facts.get(['fact', i], probe);
      const want = f === undefined || f.kind === 'retract' ? undefined : f.value;
      if (!same(got, want))
        problems.push(`get key ${i} at ${JSON.stringify(probe)} is ${JSON.stringify(got)}, the history says ${JSON.stringify(want)}`);
    }
  }
  return problems;
}
