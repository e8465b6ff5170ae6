// The LMDB open race through the public API (ENGINE-NOTES; packages/reliability/test/open-churn.test.ts
// is the full probe): 2 writer processes save checkpoints continuously while 2 processes open and close
// the store over and over, for ROUNDS rounds; then every acknowledged save must be there, seq gap-free.
// With an LMDB addon that is not agentstore's patched build, the adapter must instead refuse a second
// process with LOCKED (single-process mode), so that check runs in place of the probe.
// Usage: node lmdb-race.mjs <dataDir>. Prints one JSON line; exits non-zero on loss or failure.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { lmdbAdapter, lmdbBuildInfo } from '@agentstore/adapter-lmdb';
import { createStore } from '@agentstore/core';

const ROUNDS = 4;
const WRITERS = 2;
const OPENERS = 2;
const OPENS = 25;
const LANES = 4; // saves in flight per writer, so opens land mid-commit
const MAX_SAVES = 20_000; // a writer stops by itself at this bound
const DOMAIN = 'graphs';
const TRACE = 'churned';
const CHILD_TIMEOUT_MS = 120_000;

const [dataDir, role] = process.argv.slice(2);
const open = () => createStore({ dataDir, adapters: [lmdbAdapter], default: { adapter: 'lmdb' } });
const send = (message) => new Promise((resolve) => process.send(message, resolve));
const next = (type) => new Promise((resolve) => process.on('message', (m) => m.t === type && resolve(m)));

async function writer() {
  const store = await open();
  const checkpoints = store.checkpoints(DOMAIN);
  await checkpoints.loadLatest(TRACE);
  let stop = false;
  void next('stop').then(() => {
    stop = true;
  });
  await send({ t: 'ready' });
  await next('go');
  const acks = [];
  const failures = [];
  let i = 0;
  const lane = async () => {
    while (!stop && i < MAX_SAVES) {
      const n = i++;
      try {
        const info = await checkpoints.save(TRACE, { data: new TextEncoder().encode(`save ${process.pid} ${n}`) });
        acks.push([info.id, info.seq, process.pid, n]);
        if (acks.length === 1) await send({ t: 'writing' });
      } catch (err) {
        failures.push(`${err.code}: ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  await store.close();
  await send({ t: 'done', acks, failures });
}

async function opener() {
  await send({ t: 'ready' });
  await next('go');
  let lastSeq = 0;
  for (let i = 0; i < OPENS; i++) {
    const store = await open();
    const latest = await store.checkpoints(DOMAIN).loadLatest(TRACE);
    await store.close();
    const seq = latest?.seq ?? 0;
    if (seq < lastSeq) throw new Error(`open ${i} saw seq ${seq} after ${lastSeq}`);
    lastSeq = seq;
  }
  await send({ t: 'done', opens: OPENS });
}

async function probeOnce() {
  let store;
  try {
    store = await open();
    await store.checkpoints(DOMAIN).save(TRACE, { data: new Uint8Array([1]) });
    await send({ t: 'done', opened: true });
  } catch (err) {
    await send({ t: 'done', opened: false, code: err.code, message: err.message });
  } finally {
    await store?.close().catch(() => {});
  }
}

/** Starts this script as a child in `childRole`; `take(type)` resolves with its next message of that type. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL'); // a failed run leaves no process behind
});

function spawn(childRole) {
  const child = fork(new URL(import.meta.url), [dataDir, childRole], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const inbox = [];
  const waiting = [];
  child.on('message', (m) => {
    const i = waiting.findIndex((w) => w.type === m.t);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  const exited = once(child, 'exit');
  const take = (type) => {
    const i = inbox.findIndex((m) => m.t === type);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${childRole} ${child.pid}: no '${type}' within ${CHILD_TIMEOUT_MS} ms`)),
        CHILD_TIMEOUT_MS,
      );
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      waiting.push({ type, resolve: settle(resolve) });
      exited.then(([code]) => settle(reject)(new Error(`${childRole} ${child.pid} exited (${code}) before '${type}'`)));
    });
  };
  return { child, take, exited };
}

async function probe() {
  const started = Date.now();
  const acked = new Map();
  const failures = [];
  let opens = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const writers = Array.from({ length: WRITERS }, () => spawn('writer'));
    const openers = Array.from({ length: OPENERS }, () => spawn('opener'));
    await Promise.all([...writers, ...openers].map((c) => c.take('ready')));
    for (const w of writers) w.child.send({ t: 'go' });
    await Promise.all(writers.map((w) => w.take('writing')));
    for (const o of openers) o.child.send({ t: 'go' });
    for (const o of openers) opens += (await o.take('done')).opens;
    for (const w of writers) w.child.send({ t: 'stop' });
    for (const w of writers) {
      const done = await w.take('done');
      for (const [id, seq] of done.acks) acked.set(id, seq);
      failures.push(...done.failures);
    }
    for (const c of [...writers, ...openers]) assert.deepEqual(await c.exited, [0, null]);
  }
  const store = await open();
  const checkpoints = store.checkpoints(DOMAIN);
  const lost = [];
  for (const [id, seq] of acked) {
    const found = await checkpoints.load(id);
    if (found?.seq !== seq) lost.push(`${id} (seq ${seq})`);
  }
  const listed = await checkpoints.list(TRACE);
  await store.close();
  const summary = {
    mode: 'multi-process',
    rounds: ROUNDS,
    opens,
    acknowledged: acked.size,
    listed: listed.length,
    lost: lost.length,
    failures: failures.length,
    ms: Date.now() - started,
  };
  assert.deepEqual(lost, [], `acknowledged saves lost: ${JSON.stringify(summary)}`);
  assert.deepEqual(failures, []);
  assert.ok(acked.size > 0, 'the writers saved something');
  assert.deepEqual(
    listed.map((c) => c.seq),
    Array.from({ length: listed.length }, (_, i) => listed.length - i),
  );
  return summary;
}

/** Unpatched LMDB: while this process holds the store, another process must be refused with LOCKED. */
async function refusal() {
  const store = await open();
  await store.checkpoints(DOMAIN).save(TRACE, { data: new Uint8Array([0]) });
  const other = spawn('probe-once');
  const answer = await other.take('done');
  await other.exited;
  await store.close();
  assert.equal(answer.opened, false, 'LMDB is not the patched build, yet a second process could open and write the store');
  assert.equal(answer.code, 'LOCKED', `a second process must be refused with LOCKED, got ${answer.code}: ${answer.message}`);
  return { mode: 'single-process', refusedWith: answer.code };
}

if (role !== undefined) {
  await { writer, opener, 'probe-once': probeOnce }[role]();
  process.disconnect(); // the IPC channel would keep the child alive
} else {
  const info = lmdbBuildInfo();
  const summary = info.patched ? await probe() : await refusal();
  console.log(JSON.stringify({ ok: true, lmdb: info, ...summary }));
}
