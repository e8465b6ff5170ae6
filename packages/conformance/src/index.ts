import { describe } from 'vitest';
import { asyncReadsOnly } from './async-reads-only.js';
import { type ConformanceTarget, useHarness } from './harness.js';
import { artifactsSpec } from './specs/artifacts.js';
import { artifactsFilesSpec } from './specs/artifacts-files.js';
import { artifactsLruSpec } from './specs/artifacts-lru.js';
import { artifactsRecencySpec } from './specs/artifacts-recency.js';
import { checkpointsBasicSpec } from './specs/checkpoints-basic.js';
import { checkpointsCasSpec } from './specs/checkpoints-cas.js';
import { checkpointsCountSpec } from './specs/checkpoints-count.js';
import { checkpointsListSpec } from './specs/checkpoints-list.js';
import { checkpointsPruneSpec } from './specs/checkpoints-prune.js';
import { checkpointsTypedSpec } from './specs/checkpoints-typed.js';
import { domainSyncSpec } from './specs/domain-sync.js';
import { fastDurabilitySpec } from './specs/fast-durability.js';
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
import { kvTtlSpec } from './specs/kv-ttl.js';
import { kvValuesLimitsSpec } from './specs/kv-values-limits.js';
import { lifecycleSpec } from './specs/lifecycle.js';
import { migrationGuardSpec } from './specs/migration-guard.js';
import { persistenceSpec } from './specs/persistence.js';
import { readFormsSpec } from './specs/read-forms.js';
import { readOnlySpec } from './specs/read-only.js';
import { retentionSpec } from './specs/retention.js';
import { routingSpec } from './specs/routing.js';
import { snapshotsSpec } from './specs/snapshots.js';
import { snapshotsCatalogSpec } from './specs/snapshots-catalog.js';
import { vectorsSpec } from './specs/vectors.js';
import { versionedSpec } from './specs/versioned.js';
import { versionedScanSpec } from './specs/versioned-scan.js';

export { asyncReadsOnly } from './async-reads-only.js';
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
    kvTtlSpec(h);
    kindsSpec(h);
    checkpointsBasicSpec(h);
    checkpointsListSpec(h);
    checkpointsCasSpec(h);
    checkpointsPruneSpec(h);
    checkpointsTypedSpec(h);
    checkpointsCountSpec(h);
    journalSpec(h);
    retentionSpec(h);
    versionedSpec(h);
    versionedScanSpec(h);
    vectorsSpec(h);
    snapshotsSpec(h);
    snapshotsCatalogSpec(h);
    artifactsSpec(h);
    artifactsLruSpec(h);
    artifactsRecencySpec(h);
    artifactsFilesSpec(h);
    lifecycleSpec(h);
    domainSyncSpec(h);
    fastDurabilitySpec(h);
    persistenceSpec(h);
    readOnlySpec(h);
    migrationGuardSpec(h);
    readFormsSpec(h, 'as the adapter offers them');
    describe('with the synchronous reads hidden', () => {
      readFormsSpec(useHarness({ ...target, adapter: asyncReadsOnly(target.adapter) }), 'async reads only');
    });
  });
}
