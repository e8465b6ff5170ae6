/**
 * `pnpm demo`: a research agent written as a LangGraph StateGraph, checkpointed through AgentstoreSaver
 * with its domains routed to three backends, is killed with SIGKILL mid-run, restarted with the same
 * thread_id, resumes from its last checkpoint and finishes; then this process opens the store itself
 * and prints what is in it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore, type DomainStats } from '@agentstore/core';
import { agentDomains, DOMAINS, SAVER_OPTIONS } from './agent-store.js';
import { demoStoreConfig } from './demo-config.js';
import { domainStats, inspectRun, type RunReport, referenceRun } from './inspect-run.js';
import { TASKS, TOOLS, TOTAL_STEPS } from './research-agent.js';
import { runWithCrash } from './supervisor.js';
import { verifyRun } from './verify-run.js';

const KILL_AFTER_STEPS = 5;
const STEP_DELAY_MS = 250;

const fmt = (n: number): string => n.toLocaleString('en-US');

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: readonly string[]) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(rows[0] ?? []), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...rows.slice(1).map(line)].join('\n');
}

function contentsOf(domain: string, run: RunReport): string {
  const c = run.counters;
  const first = run.checkpoints[0];
  const last = run.checkpoints.at(-1);
  switch (domain) {
    case 'runs':
      return `run record + counters: steps ${c.steps} · tokens ${fmt(c.tokens)} · tool calls ${c.toolCalls} · attempts ${c.attempts}`;
    case SAVER_OPTIONS.checkpoints:
      return `${run.checkpoints.length} LangGraph checkpoints (supersteps ${first?.superstep}..${last?.superstep}), their time index and channel values`;
    case SAVER_OPTIONS.heads:
      return "the thread's head: one commit per checkpoint, each compare-and-set on its parent";
    case SAVER_OPTIONS.writes:
      return "pending writes: each node's channel writes";
    default:
      return `${run.journal.length} events (tool_call + tool_result per step)`;
  }
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const examplesDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const dataDir = join(examplesDir, '.agentstore-demo', stamp);
  mkdirSync(dataDir, { recursive: true });
  const runId = `research-${stamp}`;
  const { checkpoints, heads, writes } = SAVER_OPTIONS;

  console.log('agentstore demo: a LangGraph research agent killed with SIGKILL mid-run, then resumed\n');
  console.log(`  data dir   ${dataDir}`);
  console.log(`  thread_id  ${runId}`);
  console.log(
    `  graph      START → plan → search → read → summarize → plan … → END (${TASKS.length} tasks × ${TOOLS.length} tools = ${TOTAL_STEPS} steps)`,
  );
  console.log(
    `  saver      new AgentstoreSaver(store, { checkpoints: '${checkpoints}', writes: '${writes}', heads: '${heads}', exclusiveThreads: true })`,
  );
  console.log(`  routing    runs → sqlite (strict) · ${checkpoints}, ${heads} → lmdb · ${writes}, journal → level`);
  console.log(`  plan       ${STEP_DELAY_MS} ms of fake tool latency per step; SIGKILL in the middle of step ${KILL_AFTER_STEPS + 1}\n`);

  const crash = await runWithCrash({
    dataDir,
    runId,
    killAfterSteps: KILL_AFTER_STEPS,
    killDelayMs: STEP_DELAY_MS / 2,
    delayMs: STEP_DELAY_MS,
    onEvent: (e) => {
      if (e.type === 'start')
        console.log(e.attempt === 1 ? `▶ agent started (pid ${e.pid})` : `\n▶ agent restarted with the same thread_id (pid ${e.pid})`);
      else
        console.log(
          `✖ SIGKILL sent to pid ${e.pid} ${e.delayMs} ms after it printed step ${e.afterSteps}, in the middle of step ${e.afterSteps + 1}`,
        );
    },
    onLine: (_attempt, line) => console.log(`  │ ${line}`),
    betweenAttempts: async () => {
      const store = await createStore(demoStoreConfig(dataDir));
      try {
        const left = await inspectRun(agentDomains(store), runId);
        const latest = left.checkpoints.at(-1);
        const inFlight = left.journal.filter((e) => e.event.step > (left.finalState?.step ?? 0));
        console.log(
          `  what the killed agent left: ${left.checkpoints.length} checkpoints (latest: superstep ${latest?.superstep ?? '-'}, ` +
            `step ${latest?.step ?? 0}, next: ${latest?.next.join(', ') || '-'}), steps counter ${left.counters.steps}, ` +
            `${left.journal.length} journal events${inFlight.length > 0 ? ` (${inFlight.length} of step ${inFlight[0]?.event.step}, which was in flight)` : ''}`,
        );
      } finally {
        await store.close();
      }
    },
  });

  const store = await createStore(demoStoreConfig(dataDir));
  let run: RunReport;
  let stats: DomainStats[];
  try {
    run = await inspectRun(agentDomains(store), runId);
    stats = await domainStats(store, DOMAINS);
  } finally {
    await store.close();
  }
  const reference = await referenceRun(runId);

  console.log('\nWhat the store holds (read back by this process after the agent exited):\n');
  const rows = [['domain', 'adapter', 'kind', 'records', 'counters / contents']];
  for (const s of stats) rows.push([s.domain, s.adapter, s.kind ?? '-', String(s.records), contentsOf(s.domain, run)]);
  console.log(table(rows));

  const { resumedFrom: resumeAt, resumedSuperstep, resumedNext, resumedCheckpoint } = crash.resumed;
  console.log(`\n  steps before crash  ${resumeAt} checkpointed (${crash.killed.stepsPrinted.length} printed before the kill)`);
  console.log(
    `  steps after crash   ${crash.resumed.stepsPrinted.length} (resumed from step ${resumeAt}: checkpoint ${resumedCheckpoint ?? '-'}, ` +
      `superstep ${resumedSuperstep ?? '-'}; LangGraph re-ran ${resumedNext ?? '-'}, in flight when killed)\n`,
  );

  const checks = verifyRun(crash, run, reference);
  for (const c of checks) console.log(`  ${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok);
  console.log(failed.length === 0 ? '\nAll checks passed.' : `\n${failed.length} check(s) FAILED.`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
