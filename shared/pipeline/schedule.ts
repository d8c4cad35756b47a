/**
 * The pipeline's clock-driven work, run at every tick of a schedule (EventBridge Scheduler in AWS,
 * a timer locally): sources whose `interval` passed are resolved (repositories without webhooks
 * still follow), and Kustomizations whose `interval` passed are reconciled again at their last
 * revision, so a change made by hand in a cluster is reverted even without the drift sweep.
 * Failed or waiting Kustomizations come back after their `retryInterval`.
 */
import { randomUUID } from 'node:crypto';
import { durationToMs } from '#shared/config/duration.ts';
import { kustomizationReconcileRequest, publishEach, type SourceDeps } from './deps.ts';
import { allTargets } from './fleet-view.ts';
import { dueSources, syncSources } from './source.ts';

/** What one tick started. */
export interface TickReport {
  sources: number;
  kustomizations: number;
}

/** Runs what is due now; returns how much it started. */
export async function runSchedule(deps: SourceDeps): Promise<TickReport> {
  const correlationId = `schedule-${randomUUID()}`;
  const sources = await dueSources(deps);
  if (sources.length > 0) await syncSources(sources, deps, { correlationId });

  const now = deps.clock.now();
  const due = [];
  for (const entry of allTargets(await deps.fleet.load(), deps.bootstrap)) {
    if (entry.kustomization.spec.suspend) continue;
    const status = await deps.status.getKustomization({ cluster: entry.target.cluster, ...entry.target.kustomization });
    if (!status || status.suspended || !status.lastAttemptedAt) continue;
    const healthy = status.ready.status === 'True';
    const wait = durationToMs(healthy ? entry.kustomization.spec.interval : (entry.kustomization.spec.retryInterval ?? entry.kustomization.spec.interval));
    if (now - Date.parse(status.lastAttemptedAt) >= wait) due.push(entry);
  }
  if (due.length > 0) {
    await publishEach(
      deps,
      'ReconcileRequested',
      correlationId,
      due.map((entry) => kustomizationReconcileRequest({ cluster: entry.target.cluster, ...entry.target.kustomization }, deps.clock)),
    );
  }
  return { sources: sources.length, kustomizations: due.length };
}
