/**
 * One shard of a drift sweep: its clusters checked with bounded concurrency, each within its own
 * deadline, so an unreachable, slow or unauthorised cluster costs the others nothing. For every
 * Kustomization that drifted the shard emits DriftCorrected (`correct` mode: the drifted objects
 * were re-applied) or DriftDetected (`detect` mode: left in place), each with the bounded
 * field-level diff; for every cluster it could not check, ClusterUnreachable with the reason. The
 * status of each Kustomization records the finding; an unreachable cluster's says so, and the next
 * sweep checks it again.
 */
import { randomUUID } from 'node:crypto';
import { makeEvent, type CatalogEvent, type DriftMode, type EventDetail } from '#shared/events/catalog.ts';
import { kustomizationsOf } from '#shared/fleet/index.ts';
import type { FleetSnapshot } from '#shared/fleet/index.ts';
import { summarizeChangeSet } from '#shared/kube/index.ts';
import type { KustomizationKey } from '#shared/ports/index.ts';
import { boundedDrift } from './bound.ts';
import { checkCluster, type ClusterDrift, type KustomizationDrift } from './cluster.ts';
import type { DriftDeps, DriftSettings } from './deps.ts';

/** What one shard did: the sweep's metrics come from it. */
export interface ShardReport {
  sweepId: string;
  shard: { index: number; count: number };
  clusters: number;
  /** Clusters checked to the end. */
  checked: number;
  unreachable: number;
  /** Drifted objects found (corrected or not). */
  driftedObjects: number;
  corrected: number;
  /** API requests sent to the clusters for the checks (retries included, discovery not). */
  apiRequests: number;
  /** Discovery requests (made once per cluster while the process is warm). */
  discoveryRequests: number;
  durationMs: number;
  results: ClusterDrift[];
}

/** Options of {@link runDriftShard}. */
export interface ShardOptions extends Pick<DriftSettings, 'concurrency' | 'clusterDeadlineMs'> {
  /** Override every Kustomization's mode (the command line). */
  mode?: DriftMode;
  /** Emit events and write status (default true; the command line only prints). */
  publish?: boolean;
}

/** Checks the clusters of one DriftCheckRequested shard and reports what it found. */
export async function runDriftShard(detail: EventDetail<'DriftCheckRequested'>, deps: DriftDeps, options: ShardOptions): Promise<ShardReport> {
  const started = deps.clock.now();
  // The snapshot may have changed since the last shard this process ran.
  deps.fleet.invalidate();
  const snapshot = await deps.fleet.load();
  const results: ClusterDrift[] = new Array<ClusterDrift>(detail.clusters.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < detail.clusters.length) {
      const index = next++;
      const cluster = detail.clusters[index] as string;
      const recordVersion = detail.versions?.[cluster];
      const result = await checkCluster(cluster, deps, {
        deadlineMs: options.clusterDeadlineMs,
        snapshot,
        ...(options.mode ? { mode: options.mode } : {}),
        ...(recordVersion ? { recordVersion } : {}),
      });
      results[index] = result;
      if (options.publish !== false) await report(result, detail, deps, snapshot);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, detail.clusters.length)) }, worker));
  const findings = results.flatMap((r) => (r.outcome === 'checked' ? r.kustomizations.flatMap((k) => k.drifted) : []));
  const summary: ShardReport = {
    sweepId: detail.sweepId,
    shard: detail.shard,
    clusters: results.length,
    checked: results.filter((r) => r.outcome === 'checked').length,
    unreachable: results.filter((r) => r.outcome === 'unreachable').length,
    driftedObjects: findings.length,
    corrected: findings.filter((f) => f.corrected).length,
    apiRequests: results.reduce((sum, r) => sum + r.requests, 0),
    discoveryRequests: results.reduce((sum, r) => sum + r.discoveryRequests, 0),
    durationMs: deps.clock.now() - started,
    results,
  };
  deps.logger.info('drift shard checked', {
    sweepId: summary.sweepId,
    shard: `${summary.shard.index + 1}/${summary.shard.count}`,
    clusters: summary.clusters,
    checked: summary.checked,
    unreachable: summary.unreachable,
    driftedObjects: summary.driftedObjects,
    corrected: summary.corrected,
    apiRequests: summary.apiRequests,
    discoveryRequests: summary.discoveryRequests,
    durationMs: summary.durationMs,
  });
  return summary;
}

/** Events and status of one cluster's result. */
async function report(result: ClusterDrift, detail: EventDetail<'DriftCheckRequested'>, deps: DriftDeps, snapshot: FleetSnapshot): Promise<void> {
  const now = new Date(deps.clock.now()).toISOString();
  const base = (): { version: 1; eventId: string; correlationId: string; occurredAt: string } => ({
    version: 1,
    eventId: randomUUID(),
    correlationId: detail.correlationId,
    occurredAt: now,
  });
  if (result.outcome === 'unreachable') {
    deps.logger.warn('cluster not checked for drift', {
      cluster: result.cluster,
      reason: result.reason,
      error: result.message.slice(0, 500),
      sweepId: detail.sweepId,
    });
    await deps.bus.publish([
      makeEvent('ClusterUnreachable', {
        ...base(),
        cluster: result.cluster,
        reason: result.reason,
        message: result.message,
        attempts: 1,
        sweepId: detail.sweepId,
      }),
    ]);
    for (const { kustomization } of kustomizationsOf(snapshot, result.cluster)) {
      const key = { cluster: result.cluster, namespace: kustomization.metadata.namespace, name: kustomization.metadata.name };
      const previous = (await deps.status.getKustomization(key))?.drift;
      const since = previous?.outcome === 'Unreachable' ? (previous.unreachableSince ?? previous.checkedAt) : now;
      await deps.status.updateKustomization(key, {
        drift: {
          outcome: 'Unreachable',
          reason: result.reason,
          message: `${result.message.slice(0, 1000)}; checked again at the next sweep`,
          checkedAt: now,
          unreachableSince: since,
        },
      });
    }
    return;
  }
  const events: CatalogEvent[] = [];
  for (const k of result.kustomizations) {
    const event = eventFor(k, detail, base());
    if (event) events.push(event);
    for (const error of k.errors.slice(0, 5)) deps.logger.warn('drift check error', { kustomization: describeKey(k.key), error: error.message.slice(0, 500) });
    await deps.status.updateKustomization(k.key, { drift: statusOf(k, now) });
    if (k.drifted.length > 0)
      deps.logger.info(k.mode === 'correct' ? 'drift corrected' : 'drift detected', {
        kustomization: describeKey(k.key),
        revision: k.revision,
        drifted: k.drifted.length,
        objects: k.drifted
          .slice(0, 5)
          .map((d) => `${d.object.kind}/${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name} ${d.change.toLowerCase()}`)
          .join(', '),
      });
  }
  if (events.length > 0) await deps.bus.publish(events);
}

function eventFor(
  k: KustomizationDrift,
  detail: EventDetail<'DriftCheckRequested'>,
  envelope: { version: 1; eventId: string; correlationId: string; occurredAt: string },
): CatalogEvent | undefined {
  if (k.drifted.length === 0) return undefined;
  const target = { cluster: k.key.cluster, kustomization: { name: k.key.name, namespace: k.key.namespace }, revision: k.revision };
  const corrected = k.drifted.filter((d) => d.corrected);
  if (k.mode === 'correct' && corrected.length > 0) {
    const changeSet = summarizeChangeSet({
      entries: corrected.map((d) => ({ object: d.object, action: d.change === 'Missing' ? ('Created' as const) : ('Configured' as const) })),
      errors: [],
    });
    // The objects compared and found in sync were not written: they count as Unchanged.
    changeSet.counts.Unchanged = Math.max(0, k.checked - corrected.length);
    return makeEvent('DriftCorrected', {
      ...envelope,
      ...target,
      changeSet,
      drifted: boundedDrift(corrected),
      driftedCount: corrected.length,
      sweepId: detail.sweepId,
    });
  }
  return makeEvent('DriftDetected', {
    ...envelope,
    ...target,
    drifted: boundedDrift(k.drifted),
    driftedCount: k.drifted.length,
    willCorrect: false,
    mode: k.mode,
    sweepId: detail.sweepId,
  });
}

function statusOf(k: KustomizationDrift, checkedAt: string) {
  const count = k.drifted.length;
  const firstError = k.errors[0]?.message;
  const outcome = k.errors.length > 0 ? 'Failed' : count === 0 ? 'InSync' : k.mode === 'correct' ? 'Corrected' : 'Drifted';
  const message = firstError
    ? `${k.errors.length} error(s); first: ${firstError.slice(0, 1000)}`
    : count === 0
      ? `in sync with ${k.revision}`
      : `${count} object(s) drifted from ${k.revision}${k.mode === 'correct' ? ', re-applied' : ', left in place (detect mode)'}`;
  return { outcome, message, driftedCount: count, revision: k.revision, checkedAt } as const;
}

function describeKey(key: KustomizationKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}
