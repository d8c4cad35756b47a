/**
 * The apply engine of the pipeline: one rendered bundle into one cluster, for one Kustomization,
 * one at a time per (cluster, Kustomization) — the caller guarantees that (SQS FIFO message group
 * in AWS, a keyed queue locally). It honours `suspend` and `dependsOn`, applies with the engine of
 * `shared/kube` (stale-revision guard, prune, health), records status and emits the outcome.
 */
import { errorMessage, isTransient, TidelineError } from '#shared/errors/index.ts';
import { durationToMs } from '#shared/config/duration.ts';
import { makeEvent, type EventDetail } from '#shared/events/catalog.ts';
import { EmptyBundleError, StaleRevisionError, reconcileObjects, requestFromKustomization, summarizeChangeSet, formatCounts } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import type { KustomizationKey, KustomizationStatus } from '#shared/ports/index.ts';
import { envelope, isoNow, kustomizationReconcileRequest, publishEach, type ApplyDeps } from './deps.ts';
import { reconcileAccess } from '#shared/fleet/index.ts';
import { dependentsOf, dependencyStateOf, findTarget } from './fleet-view.ts';
import type { StoredBundle } from './render.ts';
import { readyCondition } from './source.ts';

/** What an apply ended in, for the caller (the local queue retries `retryAfterMs`). */
export interface ApplyOutcome {
  outcome: 'applied' | 'failed' | 'waiting' | 'suspended' | 'stale' | 'gone' | 'unreachable';
  /** When set, the same bundle should be tried again after this long (dependency not ready, cluster unreachable). */
  retryAfterMs?: number;
}

function keyOf(detail: EventDetail<'ManifestsRendered'>): KustomizationKey {
  return { cluster: detail.cluster, namespace: detail.kustomization.namespace, name: detail.kustomization.name };
}

function describeKey(key: KustomizationKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}

/** The envelope and the Kustomization revision every apply outcome event carries. */
function revisionEnvelope(detail: EventDetail<'ManifestsRendered'>, deps: ApplyDeps) {
  return { ...envelope(deps.clock, detail.correlationId), cluster: detail.cluster, kustomization: detail.kustomization, revision: detail.revision };
}

/** Applies the bundle a ManifestsRendered event points to. Never throws for the Kustomization's own failures. */
export async function applyRendered(detail: EventDetail<'ManifestsRendered'>, deps: ApplyDeps): Promise<ApplyOutcome> {
  const key = keyOf(detail);
  const started = deps.clock.now();
  const snapshot = await deps.fleet.load();
  const entry = findTarget(snapshot, deps.bootstrap, { cluster: detail.cluster, kustomization: detail.kustomization });
  if (!entry) {
    deps.logger.info('kustomization no longer in the fleet: bundle dropped', { kustomization: describeKey(key) });
    return { outcome: 'gone' };
  }
  const kustomization = entry.kustomization;
  const status = await deps.status.getKustomization(key);
  const now = isoNow(deps.clock);
  if (kustomization.spec.suspend || status?.suspended) {
    deps.logger.info('suspended: not applied', { kustomization: describeKey(key) });
    return { outcome: 'suspended' };
  }
  const retryMs = durationToMs(kustomization.spec.retryInterval ?? kustomization.spec.interval);

  const dependencies = () => dependencyStateOf(snapshot, deps.bootstrap, key, (dep) => deps.status.getKustomization(dep), detail.revision);
  const dependency = await dependencies();
  if (dependency.state !== 'ready') {
    await deps.status.updateKustomization(key, {
      lastAttemptedRevision: detail.revision,
      lastAttemptedAt: now,
      ready: readyCondition(status?.ready, 'False', 'DependencyNotReady', dependency.message, now),
    });
    // A dependency that succeeded meanwhile may have looked for waiting dependents before this one
    // said it waits: looking once more after saying so means one of the two always sees the other.
    if ((await dependencies()).state !== 'ready') {
      deps.logger.info('waiting for dependencies', { kustomization: describeKey(key), reason: dependency.message });
      return { outcome: 'waiting', retryAfterMs: Math.min(30_000, retryMs) };
    }
  }

  let objects: KubeObject[];
  try {
    objects = (JSON.parse(Buffer.from(await deps.artifacts.get(detail.artifact.key)).toString('utf8')) as StoredBundle).objects;
  } catch (error) {
    return failed(detail, deps, status, 'ArtifactFailed', `bundle ${detail.artifact.key}: ${errorMessage(error)}`, [], started);
  }

  try {
    const client = await deps.kube.get(detail.cluster);
    // Who the writes are made as, as kustomize-controller decides it (its own accounts mean Tideline's identity).
    const access = reconcileAccess(snapshot, detail.cluster, `${key.namespace}/${key.name}`);
    if (access.sourceRefProblem) return failed(detail, deps, status, 'AccessDenied', access.sourceRefProblem, [], started);
    const { serviceAccountName: _asWritten, ...fromGit } = requestFromKustomization(kustomization, {
      objects,
      revision: detail.revision,
      ...(detail.order !== undefined ? { order: detail.order } : {}),
      digest: detail.artifact.digest,
    });
    const request = access.identity.impersonate ? { ...fromGit, serviceAccountName: access.identity.name } : fromGit;
    const result = await reconcileObjects(client, { ...request, clock: deps.clock });
    const applied = deps.clock.now();
    const summary = summarizeChangeSet(result.changeSet);
    const timings = { ...status?.timings, applyMs: applied - started, ...(detail.startedAt !== undefined ? { totalMs: applied - detail.startedAt } : {}) };
    if (result.failure) {
      if (result.failure === 'HealthCheckFailed' && result.health) {
        await deps.status.updateKustomization(key, {
          lastAttemptedRevision: detail.revision,
          lastAttemptedAt: now,
          timings,
          lastChangeSet: summary,
          ready: readyCondition(
            status?.ready,
            'False',
            'HealthCheckFailed',
            `health check failed after ${request.timeoutMs ?? 0} ms: ${result.health.unhealthy.map((u) => `${u.object.kind}/${u.object.name} ${u.status}`).join(', ')}`.slice(
              0,
              4000,
            ),
            now,
          ),
        });
        await deps.bus.publish([
          makeEvent('HealthCheckFailed', {
            ...revisionEnvelope(detail, deps),
            timeoutMs: request.timeoutMs ?? 0,
            unhealthy: result.health.unhealthy.slice(0, 50).map((u) => ({ object: u.object, status: u.status, message: u.message.slice(0, 1024) })),
          }),
        ]);
        deps.logger.error('health check failed', { kustomization: describeKey(key), revision: detail.revision });
        return { outcome: 'failed' };
      }
      const errors = result.changeSet.errors.slice(0, 50).map((e) => ({ ...(e.object ? { object: e.object } : {}), message: e.message.slice(0, 4096) }));
      return failed(
        detail,
        deps,
        status,
        result.failure,
        `${result.failure}: ${result.changeSet.errors.length} error(s)${errors[0] ? `; first: ${errors[0].message}` : ''}`,
        errors,
        started,
        summary,
      );
    }
    await deps.status.updateKustomization(key, {
      lastAttemptedRevision: detail.revision,
      lastAppliedRevision: detail.revision,
      lastAppliedDigest: detail.artifact.digest,
      lastAttemptedAt: now,
      lastAppliedAt: isoNow(deps.clock),
      inventorySize: result.inventory?.entries.length ?? objects.length,
      ...(summary.counts.Created + summary.counts.Configured + summary.counts.Deleted > 0 || !status?.lastChangeSet ? { lastChangeSet: summary } : {}),
      timings,
      ready: readyCondition(status?.ready, 'True', 'ReconciliationSucceeded', `Applied revision: ${detail.revision}`, now),
    });
    deps.logger.info('applied', {
      kustomization: describeKey(key),
      revision: detail.revision,
      changes: formatCounts(result.changeSet),
      applyMs: applied - started,
      ...(timings.totalMs !== undefined ? { totalMs: timings.totalMs } : {}),
    });
    await deps.bus.publish([
      makeEvent('ReconcileSucceeded', {
        ...revisionEnvelope(detail, deps),
        digest: detail.artifact.digest,
        changeSet: summary,
        durationMs: applied - started,
      }),
    ]);
    await wakeDependents(key, deps, detail.correlationId);
    return { outcome: 'applied' };
  } catch (error) {
    if (error instanceof StaleRevisionError) {
      deps.logger.info('older revision not applied', { kustomization: describeKey(key), revision: detail.revision, reason: errorMessage(error) });
      return { outcome: 'stale' };
    }
    if (error instanceof EmptyBundleError) return failed(detail, deps, status, 'EmptyBundleRefused', errorMessage(error), [], started);
    if (isTransient(error) || !(error instanceof TidelineError)) {
      const message = errorMessage(error).slice(0, 4000);
      await deps.status.updateKustomization(key, {
        lastAttemptedRevision: detail.revision,
        lastAttemptedAt: now,
        ready: readyCondition(status?.ready, 'False', 'ClusterUnreachable', message, now),
      });
      await deps.bus.publish([
        makeEvent('ClusterUnreachable', {
          ...envelope(deps.clock, detail.correlationId),
          cluster: detail.cluster,
          reason: 'Unreachable',
          message,
          attempts: 1,
        }),
      ]);
      deps.logger.error('cluster unreachable', { kustomization: describeKey(key), error: message });
      return { outcome: 'unreachable', retryAfterMs: retryMs };
    }
    return failed(detail, deps, status, 'ApplyFailed', errorMessage(error), [], started);
  }
}

async function failed(
  detail: EventDetail<'ManifestsRendered'>,
  deps: ApplyDeps,
  status: KustomizationStatus | undefined,
  reason: string,
  message: string,
  errors: { object?: { apiVersion: string; kind: string; namespace?: string; name: string }; message: string }[],
  started: number,
  changeSet?: ReturnType<typeof summarizeChangeSet>,
): Promise<ApplyOutcome> {
  const key = keyOf(detail);
  const now = isoNow(deps.clock);
  await deps.status.updateKustomization(key, {
    lastAttemptedRevision: detail.revision,
    lastAttemptedAt: now,
    timings: { ...status?.timings, applyMs: deps.clock.now() - started },
    ready: readyCondition(status?.ready, 'False', reason, message.slice(0, 4000), now),
  });
  deps.logger.error('apply failed', { kustomization: describeKey(key), revision: detail.revision, reason, error: message.slice(0, 500) });
  await deps.bus.publish([
    makeEvent('ReconcileFailed', {
      ...revisionEnvelope(detail, deps),
      reason,
      message: message.slice(0, 4096),
      errors,
      ...(changeSet ? { changeSet } : {}),
    }),
  ]);
  return { outcome: 'failed' };
}

/** After a success, Kustomizations that waited for this one are asked to reconcile again. */
async function wakeDependents(key: KustomizationKey, deps: ApplyDeps, correlationId: string): Promise<void> {
  const snapshot = await deps.fleet.load();
  const waiting: KustomizationKey[] = [];
  for (const dependent of dependentsOf(snapshot, key)) {
    const status = await deps.status.getKustomization(dependent);
    if (status?.ready.reason === 'DependencyNotReady') waiting.push(dependent);
  }
  if (waiting.length === 0) return;
  await publishEach(
    deps,
    'ReconcileRequested',
    correlationId,
    waiting.map((dependent) => kustomizationReconcileRequest(dependent, deps.clock)),
  );
}
