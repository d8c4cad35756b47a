/**
 * Health: kstatus-style readiness of applied objects, and waiting for it with a timeout.
 *
 * `Current` means the object's controller has observed its latest spec and reached the desired
 * state; `InProgress` that it has not yet; `Failed` that it reported a terminal failure. The rules
 * follow sigs.k8s.io/cli-utils kstatus for the built-in workload kinds, CRDs, PVCs and LoadBalancer
 * Services, and for anything else a `Ready` condition checked against `observedGeneration`.
 * Objects whose API group/kind has Flux `healthCheckExprs` are judged by those CEL expressions
 * instead (see health-exprs.ts).
 */
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { ObjectRef } from '#shared/errors/index.ts';
import { errorMessage } from '#shared/errors/index.ts';
import type { KubeApi } from './api.ts';
import type { KubeObject } from './objects.ts';
import { groupOf } from './objects.ts';
import type { HealthCheckRules } from './health-exprs.ts';

/** Readiness of one object. */
export interface HealthStatus {
  /** `Unknown`: a health check expression could not be evaluated (the wait goes on until its timeout). */
  status: 'Current' | 'InProgress' | 'Failed' | 'NotFound' | 'Unknown';
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

type Status = Record<string, unknown> & { conditions?: Condition[]; observedGeneration?: number };

const num = (value: unknown, fallback = 0): number => (typeof value === 'number' ? value : fallback);
const inProgress = (message: string): HealthStatus => ({ status: 'InProgress', message });
const current = (message = 'ready'): HealthStatus => ({ status: 'Current', message });

/**
 * Computes the kstatus-style readiness of a live object (pure; no request), as Flux judges it:
 * kstatus's generic checks first (an object being deleted or whose latest generation its
 * controller has not observed is in progress; a `Reconciling` condition means in progress, a
 * `Stalled` one failed), then the rules of its kind, then its `Ready` condition. Where kstatus
 * reads a count or condition that a status written by hand may leave out (`status.replicas`, a
 * Deployment's `Available`/`Progressing` conditions, a DaemonSet's `currentNumberScheduled`, a
 * ReplicaSet's `fullyLabeledReplicas`), it is checked when present. Deliberate differences: a LoadBalancer
 * Service waits for its load balancer's address (kstatus only for a cluster IP), a `Ready: False`
 * condition whose reason names a failure (`InstallFailed`, `…Error`) fails the wait at once, and
 * a Pod that failed is Failed (kstatus calls it Current).
 */
export function computeHealth(object: KubeObject): HealthStatus {
  const status = (object.status ?? {}) as Status;
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const condition = (type: string): Condition | undefined => conditions.find((c) => c.type === type);
  const generation = object.metadata.generation;
  if (object.metadata.deletionTimestamp) return inProgress('scheduled for deletion');
  if (generation !== undefined && typeof status.observedGeneration === 'number' && status.observedGeneration !== generation) {
    return inProgress(`generation ${generation} not yet observed (observed ${status.observedGeneration})`);
  }
  if (condition('Reconciling')?.status === 'True') return inProgress(condition('Reconciling')?.message || 'reconciling');
  if (condition('Stalled')?.status === 'True') return { status: 'Failed', message: condition('Stalled')?.message || 'stalled' };
  const group = groupOf(object.apiVersion);
  const kind = `${object.kind}.${group}`;
  switch (kind) {
    case 'Deployment.apps': {
      if (status.observedGeneration === undefined) return inProgress('not yet observed by its controller');
      const progressing = condition('Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded') return { status: 'Failed', message: progressing.message ?? 'progress deadline exceeded' };
      const replicas = num(spec.replicas, 1);
      if (status.replicas !== undefined && num(status.replicas) < replicas) return inProgress(`${num(status.replicas)}/${replicas} replicas`);
      if (num(status.updatedReplicas) < replicas) return inProgress(`${num(status.updatedReplicas)}/${replicas} replicas updated`);
      if (num(status.replicas) > replicas) return inProgress(`${num(status.replicas) - replicas} old replicas pending termination`);
      if (num(status.availableReplicas) < num(status.updatedReplicas))
        return inProgress(`${num(status.availableReplicas)}/${num(status.updatedReplicas)} replicas available`);
      if (num(status.readyReplicas) < replicas) return inProgress(`${num(status.readyReplicas)}/${replicas} replicas ready`);
      if (progressing && !(progressing.status === 'True' && progressing.reason === 'NewReplicaSetAvailable'))
        return inProgress(progressing.message || 'rollout in progress');
      if (condition('Available') && condition('Available')?.status !== 'True') return inProgress(condition('Available')?.message || 'not available');
      return current(`${replicas} replicas ready`);
    }
    case 'StatefulSet.apps': {
      // OnDelete: the user rolls pods by hand, so there is no rollout to wait for.
      if ((spec.updateStrategy as { type?: unknown } | undefined)?.type === 'OnDelete') return current('OnDelete update strategy');
      const replicas = num(spec.replicas, 1);
      if (status.replicas !== undefined && num(status.replicas) < replicas) return inProgress(`${num(status.replicas)}/${replicas} replicas`);
      if (num(status.readyReplicas) < replicas) return inProgress(`${num(status.readyReplicas)}/${replicas} replicas ready`);
      if (num(status.replicas) > replicas) return inProgress(`${num(status.replicas) - replicas} replicas pending termination`);
      const partition = (spec.updateStrategy as { rollingUpdate?: { partition?: unknown } } | undefined)?.rollingUpdate?.partition;
      if (typeof partition === 'number') {
        // A partitioned rollout updates only the pods at or above the partition ordinal.
        const wanted = replicas - partition;
        return num(status.updatedReplicas) < wanted
          ? inProgress(`${num(status.updatedReplicas)}/${wanted} replicas updated (partition ${partition})`)
          : current(`partitioned rollout complete (${num(status.updatedReplicas)} updated)`);
      }
      if (status.currentReplicas !== undefined && num(status.currentReplicas) < replicas)
        return inProgress(`${num(status.currentReplicas)}/${replicas} replicas current`);
      if ((status.currentRevision ?? '') !== (status.updateRevision ?? '')) return inProgress(`rolling out revision ${String(status.updateRevision)}`);
      return current(`${replicas} replicas ready`);
    }
    case 'DaemonSet.apps': {
      if (generation === undefined || status.observedGeneration === undefined) return inProgress('not yet observed by its controller');
      const desired = num(status.desiredNumberScheduled, -1);
      if (desired < 0) return inProgress('desired number of pods not yet known');
      if (status.currentNumberScheduled !== undefined && num(status.currentNumberScheduled) < desired)
        return inProgress(`${num(status.currentNumberScheduled)}/${desired} pods scheduled`);
      if (num(status.updatedNumberScheduled) < desired) return inProgress(`${num(status.updatedNumberScheduled)}/${desired} pods updated`);
      if (num(status.numberAvailable) < desired) return inProgress(`${num(status.numberAvailable)}/${desired} pods available`);
      if (num(status.numberReady) < desired) return inProgress(`${num(status.numberReady)}/${desired} pods ready`);
      return current(`${desired} pods ready`);
    }
    case 'ReplicaSet.apps': {
      if (status.observedGeneration === undefined) return inProgress('not yet observed by its controller');
      if (condition('ReplicaFailure')?.status === 'True') return inProgress(condition('ReplicaFailure')?.message || 'replica failure: check its pods');
      const replicas = num(spec.replicas, 1);
      if (status.fullyLabeledReplicas !== undefined && num(status.fullyLabeledReplicas) < replicas)
        return inProgress(`${num(status.fullyLabeledReplicas)}/${replicas} replicas labelled`);
      if (num(status.availableReplicas) < replicas) return inProgress(`${num(status.availableReplicas)}/${replicas} replicas available`);
      if (num(status.readyReplicas) < replicas) return inProgress(`${num(status.readyReplicas)}/${replicas} replicas ready`);
      if (num(status.replicas) > replicas) return inProgress(`${num(status.replicas) - replicas} replicas pending termination`);
      return current(`${replicas} replicas ready`);
    }
    case 'Job.batch': {
      // As Flux (not plain kstatus): a Job is ready once it completed, or while it is suspended.
      if (spec.suspend === true) return current('job suspended');
      if (condition('Complete')?.status === 'True') return current('job complete');
      if (condition('Failed')?.status === 'True') return { status: 'Failed', message: condition('Failed')?.message ?? 'job failed' };
      return inProgress(status.startTime ? 'job not complete' : 'job not started');
    }
    case 'PersistentVolumeClaim.': {
      return status.phase === 'Bound' ? current('bound') : inProgress(`phase ${String(status.phase ?? 'Pending')}`);
    }
    case 'Service.': {
      if (spec.type !== 'LoadBalancer') return current('service');
      const ingress = (status.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress ?? [];
      return ingress.length > 0 ? current('load balancer provisioned') : inProgress('waiting for a load balancer address');
    }
    case 'CustomResourceDefinition.apiextensions.k8s.io': {
      if (condition('NamesAccepted')?.status === 'False') return { status: 'Failed', message: condition('NamesAccepted')?.message ?? 'names not accepted' };
      const established = condition('Established');
      if (established?.status === 'True') return current('established');
      if (established?.status === 'False' && established.reason !== 'Installing')
        return { status: 'Failed', message: established.message ?? 'not established' };
      return inProgress('not yet established');
    }
    case 'Pod.': {
      if (status.phase === 'Succeeded') return current('pod succeeded');
      if (status.phase === 'Failed') return { status: 'Failed', message: 'pod failed' };
      if (condition('Ready')?.status === 'True') return current('pod ready');
      const crashLooping = ((status.containerStatuses as { name?: string; state?: { waiting?: { reason?: string } } }[] | undefined) ?? [])
        .filter((c) => c.state?.waiting?.reason === 'CrashLoopBackOff')
        .map((c) => c.name);
      if (crashLooping.length > 0) return { status: 'Failed', message: `containers in CrashLoopBackOff: ${crashLooping.join(', ')}` };
      return inProgress('pod not ready');
    }
    case 'ConfigMap.':
    case 'Secret.':
    case 'CronJob.batch':
      return current('always ready');
    default: {
      const ready = condition('Ready');
      if (!ready) return current(conditions.length > 0 || object.status ? 'no Ready condition' : 'no status');
      if (generation !== undefined && status.observedGeneration === undefined && ready.status !== 'True') return inProgress(ready.message ?? 'not ready');
      if (ready.status === 'True') return current(ready.message || 'ready');
      if (ready.status === 'False' && ready.reason && /Failed|Error/i.test(ready.reason)) return { status: 'Failed', message: ready.message ?? ready.reason };
      return inProgress(ready.message ?? 'not ready');
    }
  }
}

/** Result of waiting for objects to become ready. */
export interface WaitResult {
  ready: boolean;
  /** Objects not Current when the wait ended (empty when ready). */
  unhealthy: { object: ObjectRef & { apiVersion: string }; status: string; message: string }[];
}

/**
 * Polls `objects` until all are Current, one is Failed, or `timeoutMs` passes (measured on the
 * injected clock). Only objects not yet ready are polled again; with `labelSelector`, one LIST per
 * kind per poll reads them instead of a GET per object. With `healthCheckExprs`, objects of a
 * group/kind they cover are judged by the expressions instead of the built-in rules; an
 * expression that cannot be evaluated leaves the object Unknown until the timeout, which then
 * reports the evaluation error.
 */
export async function waitForReady(
  client: KubeApi,
  objects: readonly (ObjectRef & { apiVersion: string })[],
  options: {
    timeoutMs: number;
    intervalMs?: number;
    clock?: Clock;
    /** Labels the polled objects carry (Tideline's ownership labels): polls LIST per kind with it. */
    labelSelector?: string;
    /** Flux `healthCheckExprs`, compiled: CEL readiness rules for custom resources. */
    healthCheckExprs?: HealthCheckRules;
  },
): Promise<WaitResult> {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 2_000;
  const deadline = clock.now() + options.timeoutMs;
  let pending = [...objects];
  let last = new Map<(typeof objects)[number], HealthStatus>();
  for (;;) {
    const liveObjects = await readPending(client, pending, options.labelSelector);
    const results = pending.map((ref) => {
      const live = liveObjects.get(ref);
      if (live instanceof Error) return [ref, { status: 'InProgress', message: errorMessage(live) }] as const;
      return [ref, live ? judge(live, options.healthCheckExprs) : { status: 'NotFound', message: 'not found' }] as const;
    });
    last = new Map(results as [(typeof objects)[number], HealthStatus][]);
    pending = results.filter(([, health]) => health.status !== 'Current').map(([ref]) => ref);
    const failed = results.some(([, health]) => health.status === 'Failed');
    if (pending.length === 0) return { ready: true, unhealthy: [] };
    if (failed || clock.now() >= deadline) {
      return {
        ready: false,
        unhealthy: pending.map((ref) => ({ object: ref, status: last.get(ref)?.status ?? 'Unknown', message: last.get(ref)?.message ?? '' })),
      };
    }
    await clock.sleep(Math.min(interval, Math.max(0, deadline - clock.now())));
  }
}

/** The readiness of a live object: by its health check expressions when they cover it, else the built-in rules. */
function judge(live: KubeObject, rules: HealthCheckRules | undefined): HealthStatus {
  const evaluator = rules?.evaluatorFor(live.apiVersion, live.kind);
  return evaluator ? evaluator.evaluate(live) : computeHealth(live);
}

/**
 * Reads the objects a wait polls. With a label selector (the ownership labels of what the apply
 * wrote), one LIST per kind when several objects of it are pending — in their namespace when they
 * share one, else across namespaces — and a GET for objects the LIST does not return (a health
 * check may name an object of someone else); without one, a GET per object. A failed read marks
 * the objects it covered with the error (they count as InProgress).
 */
async function readPending(
  client: KubeApi,
  pending: readonly (ObjectRef & { apiVersion: string })[],
  labelSelector: string | undefined,
): Promise<Map<ObjectRef, KubeObject | Error | undefined>> {
  const byKind = new Map<string, (ObjectRef & { apiVersion: string })[]>();
  for (const ref of pending) {
    const key = `${ref.apiVersion}/${ref.kind}`;
    byKind.set(key, [...(byKind.get(key) ?? []), ref]);
  }
  const found = new Map<ObjectRef, KubeObject | Error | undefined>();
  const getOne = async (ref: ObjectRef & { apiVersion: string }) => {
    try {
      found.set(ref, await client.get(ref));
    } catch (error) {
      found.set(ref, error instanceof Error ? error : new Error(String(error)));
    }
  };
  await Promise.all(
    [...byKind.values()].map(async (refs) => {
      const first = refs[0] as ObjectRef & { apiVersion: string };
      if (refs.length === 1 || !labelSelector) {
        await Promise.all(refs.map(getOne));
        return;
      }
      let items: KubeObject[];
      try {
        const namespaces = new Set(refs.map((r) => r.namespace ?? ''));
        const namespace = namespaces.size === 1 ? first.namespace : undefined;
        items = await client.list(first.apiVersion, first.kind, { labelSelector, ...(namespace ? { namespace } : {}) });
      } catch (error) {
        for (const ref of refs) found.set(ref, error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const live = new Map(items.map((item) => [`${item.metadata.namespace ?? ''}/${item.metadata.name}`, item]));
      const missing: (ObjectRef & { apiVersion: string })[] = [];
      for (const ref of refs) {
        const item = live.get(`${ref.namespace ?? ''}/${ref.name}`);
        if (item) found.set(ref, item);
        else missing.push(ref);
      }
      await Promise.all(missing.map(getOne));
    }),
  );
  return found;
}
