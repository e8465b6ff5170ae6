/**
 * The agent as its own process: `agent-process.ts <dataDir> <runId> <delayMs>`. Prints one line per
 * completed step, after the step's writes were acknowledged, so the supervisor knows what is durable.
 * The supervisor parses the `step N/M` and `resumed from step N` lines (see supervisor.ts).
 */
import { createStore } from '@agentstore/core';
import { agentDomains } from './agent-store.js';
import { demoStoreConfig } from './demo-config.js';
import { TOTAL_STEPS } from './research-agent.js';
import { runAgent } from './run-agent.js';

async function main(argv: readonly string[]): Promise<void> {
  const [dataDir, runId, delay = '0'] = argv;
  if (!dataDir || !runId) throw new Error('usage: agent-process.ts <dataDir> <runId> [delayMs]');
  const store = await createStore(demoStoreConfig(dataDir));
  try {
    const state = await runAgent(agentDomains(store), runId, {
      delayMs: Number(delay),
      onResume: ({ step, checkpointId, recounted }) => {
        if (checkpointId === undefined) console.log('no checkpoint yet: starting at step 1');
        else console.log(`resumed from step ${step}, checkpoint ${checkpointId}`);
        if (recounted.length > 0) console.log(`counted step ${recounted.join(', ')} (checkpointed before the crash, not yet counted)`);
      },
      onStep: ({ state, finding, checkpointId }) => {
        const step = `step ${String(state.step).padStart(2)}/${TOTAL_STEPS}`;
        const tool = finding.tool.padEnd(9);
        console.log(
          `${step} ${tool} ${finding.summary.padEnd(38)} ${String(finding.tokens).padStart(4)} tokens  checkpoint ${checkpointId}`,
        );
      },
    });
    console.log(`finished: ${state.step} steps, ${state.tokens} tokens, ${state.toolCalls} tool calls`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
