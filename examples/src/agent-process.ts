/**
 * The agent as its own process: `agent-process.ts <dataDir> <runId> <delayMs>`. Runs (or resumes) the
 * research graph on thread `runId` and prints one line per completed step, after the step's checkpoint
 * was saved and the step counted, so the supervisor knows what is durable. The supervisor parses the
 * `step N/M` and `resumed from step N` lines (see supervisor.ts).
 */
import { createStore } from '@agentstore/core';
import { agentDomains } from './agent-store.js';
import { demoStoreConfig } from './demo-config.js';
import { TASKS, TOTAL_STEPS } from './research-agent.js';
import { runAgent } from './run-agent.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

async function main(argv: readonly string[]): Promise<void> {
  const [dataDir, runId, delay = '0'] = argv;
  if (!dataDir || !runId) throw new Error('usage: agent-process.ts <dataDir> <runId> [delayMs]');
  const store = await createStore(demoStoreConfig(dataDir));
  try {
    const state = await runAgent(agentDomains(store), runId, {
      delayMs: Number(delay),
      onResume: ({ step, checkpointId, superstep, next, recounted }) => {
        if (checkpointId === undefined) {
          console.log(`no checkpoint for thread ${runId} yet: invoking the graph with the initial state`);
          return;
        }
        console.log(`resumed from step ${step}, checkpoint ${checkpointId}`);
        const nextNodes = next.length > 0 ? next.join(', ') : 'nothing (the graph had finished)';
        console.log(`LangGraph continues after superstep ${superstep} with: ${nextNodes} (invoked with null input, same thread_id)`);
        if (recounted.length > 0) console.log(`counted step ${recounted.join(', ')} (checkpointed before the crash, not yet counted)`);
      },
      onPlan: ({ task, index }) => console.log(`plan       task ${index}/${TASKS.length}: ${task}`),
      onStep: ({ finding, checkpointId }) => {
        const step = `step ${String(finding.step).padStart(2)}/${TOTAL_STEPS}`;
        const tool = finding.tool.padEnd(9);
        console.log(
          `${step} ${tool}  ${finding.summary.padEnd(36)} ${String(finding.tokens).padStart(4)} tokens  checkpoint ${checkpointId}`,
        );
      },
    });
    console.log(`finished: ${state.step} steps, ${fmt(state.tokens)} tokens, ${state.toolCalls} tool calls`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
