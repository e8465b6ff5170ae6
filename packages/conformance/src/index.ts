import { describe } from 'vitest';
import { type ConformanceTarget, useHarness } from './harness.js';
import { artifactsSpec } from './specs/artifacts.js';
import { artifactsFilesSpec } from './specs/artifacts-files.js';
import { artifactsLruSpec } from './specs/artifacts-lru.js';
import { checkpointsBasicSpec } from './specs/checkpoints-basic.js';
import { checkpointsCasSpec } from './specs/checkpoints-cas.js';
import { checkpointsCountSpec } from './specs/checkpoints-count.js';
import { checkpointsListSpec } from './specs/checkpoints-list.js';
import { checkpointsPruneSpec } from './specs/checkpoints-prune.js';
import { checkpointsTypedSpec } from './specs/checkpoints-typed.js';
import { domainSyncSpec } from './specs/domain-sync.js';
import { journalSpec } from './specs/journal.js';
import { kindsSpec } from './specs/kinds.js';
import { kvBasicSpec } from './specs/kv-basic.js';
import { kvCodecsSpec } from './specs/kv-codecs.js';
import { kvCounterTuplesSpec } from './specs/kv-counter-tuples.js';
import { kvCountersSpec } from './specs/kv-counters.js';
import { kvCountersBufferedSpec } from './specs/kv-counters-buffered.js';
import { kvKeysOrderSpec } from './specs/kv-keys-order.js';
import { kvModelSpec } from './specs/kv-model.js';
import { kvPutManySpec } from './specs/kv-putmany.js';
import { kvRangesSpec } from './specs/kv-ranges.js';
import { kvValuesLimitsSpec } from './specs/kv-values-limits.js';
import { lifecycleSpec } from './specs/lifecycle.js';
import { migrationGuardSpec } from './specs/migration-guard.js';
import { persistenceSpec } from './specs/persistence.js';
import { readOnlySpec } from './specs/read-only.js';
import { routingSpec } from './specs/routing.js';
import { snapshotsSpec } from './specs/snapshots.js';
import { snapshotsCatalogSpec } from './specs/snapshots-catalog.js';
import { vectorsSpec } from './specs/vectors.js';
import { versionedSpec } from './specs/versioned.js';

export { fileTree } from './file-tree.js';
export type { ConformanceTarget } from './harness.js';
export { collect, expectCode } from './harness.js';
export { compareKeys } from './key-order.js';

/**
 * Registers the whole agentstore conformance suite for one adapter (vitest describe/it blocks).
 * Each test opens stores on a fresh temp dataDir routed to `target.adapter` and removes it afterwards;
 * tests skip by `target.adapter.capabilities`, never by name.
 *
 * @example
 * runConformance({ name: 'sqlite', adapter: sqliteAdapter });
 */
export function runConformance(target: ConformanceTarget): void {
  describe(`agentstore conformance: ${target.name}`, () => {
    const h = useHarness(target);
    routingSpec(h);
    kvBasicSpec(h);
    kvKeysOrderSpec(h);
    kvRangesSpec(h);
    kvPutManySpec(h);
    kvModelSpec(h);
    kvCountersSpec(h);
    kvCountersBufferedSpec(h);
    kvCounterTuplesSpec(h);
    kvCodecsSpec(h);
    kvValuesLimitsSpec(h);
    kindsSpec(h);
    checkpointsBasicSpec(h);
    checkpointsListSpec(h);
    checkpointsCasSpec(h);
    checkpointsPruneSpec(h);
    checkpointsTypedSpec(h);
    checkpointsCountSpec(h);
    journalSpec(h);
    versionedSpec(h);
    vectorsSpec(h);
    snapshotsSpec(h);
    snapshotsCatalogSpec(h);
    artifactsSpec(h);
    artifactsLruSpec(h);
    artifactsFilesSpec(h);
    lifecycleSpec(h);
    domainSyncSpec(h);
    persistenceSpec(h);
    readOnlySpec(h);
    migrationGuardSpec(h);
  });
}
