/**
 * Sample events of every alertable type: the docs' rendered examples, the CLI's previews and the
 * tests all use these, so what the docs show is what the tests check.
 */
import { makeEvent, type CatalogEvent, type ChangeSetSummary } from '#shared/events/catalog.ts';
import type { AlertableEvent } from './notification.ts';

/** Commit of the sample revision. */
export const SHA = '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a';
/** The sample revision, as Flux writes it. */
export const REVISION = `main@sha1:${SHA}`;

const envelope = (id: string) => ({
  version: 1 as const,
  eventId: `evt-${id}`,
  correlationId: 'delivery-7f3a',
  occurredAt: '2026-03-14T09:26:53Z',
});
const target = { cluster: 'prod-eu', kustomization: { name: 'apps', namespace: 'flux-system' }, revision: REVISION };

/** A sample change set with `created` + `configured` changed entries and some unchanged ones. */
export function changeSet(created = 2, configured = 1, unchanged = 40): ChangeSetSummary {
  const entries: ChangeSetSummary['entries'] = [];
  for (let i = 0; i < created && entries.length < 100; i++) {
    entries.push({ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: `web-${i}` }, action: 'Created' });
  }
  for (let i = 0; i < configured && entries.length < 100; i++) {
    entries.push({ object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: `settings-${i}` }, action: 'Configured' });
  }
  const total = created + configured;
  return {
    counts: { Created: created, Configured: configured, Unchanged: unchanged, Deleted: 0, Skipped: 0 },
    entries,
    omitted: Math.max(0, total - entries.length) + unchanged,
  };
}

/** One sample event of every alertable type, keyed by detail-type (cluster prod-eu, Kustomization flux-system/apps). */
export function sampleEvents(): { [K in AlertableEvent['detailType']]: CatalogEvent<K> } {
  return {
    ReconcileSucceeded: makeEvent('ReconcileSucceeded', {
      ...envelope('1'),
      ...target,
      digest: `sha256:${'a'.repeat(64)}`,
      changeSet: changeSet(),
      durationMs: 2340,
    }),
    ReconcileFailed: makeEvent('ReconcileFailed', {
      ...envelope('2'),
      ...target,
      reason: 'ApplyFailed',
      message: 'server-side apply failed for 1 object',
      errors: [
        {
          object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web-0' },
          message: 'spec.selector: Invalid value: field is immutable',
        },
      ],
      changeSet: changeSet(0, 1, 12),
    }),
    HealthCheckFailed: makeEvent('HealthCheckFailed', {
      ...envelope('3'),
      ...target,
      timeoutMs: 300_000,
      unhealthy: [
        {
          object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web-0' },
          status: 'InProgress',
          message: 'Deployment does not have minimum availability (0/3 ready)',
        },
      ],
    }),
    RenderFailed: makeEvent('RenderFailed', {
      ...envelope('4'),
      ...target,
      reason: 'BuildFailed',
      message: "apps/overlays/prod/kustomization.yaml: accumulating resources: 'deployment.yaml' not found",
    }),
    DriftDetected: makeEvent('DriftDetected', {
      ...envelope('5'),
      ...target,
      drifted: [
        {
          object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
          change: 'Modified',
          fields: [
            { path: 'spec.replicas', expected: '2', actual: '5', manager: 'kubectl (scale)' },
            {
              path: 'spec.template.spec.containers[name=web].image',
              expected: 'ghcr.io/acme/web:1.4.2',
              actual: 'ghcr.io/acme/web:debug',
              manager: 'kubectl-edit',
            },
          ],
          fieldsOmitted: 0,
        },
        { object: { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' }, change: 'Missing', fields: [], fieldsOmitted: 0 },
      ],
      driftedCount: 2,
      willCorrect: false,
      mode: 'detect',
    }),
    DriftCorrected: makeEvent('DriftCorrected', {
      ...envelope('6'),
      ...target,
      changeSet: changeSet(1, 1, 30),
      drifted: [
        {
          object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings-0' },
          change: 'Modified',
          fields: [{ path: 'data.LOG_LEVEL', expected: 'info', actual: 'debug', manager: 'kubectl-edit' }],
          fieldsOmitted: 0,
        },
        { object: { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' }, change: 'Missing', fields: [], fieldsOmitted: 0 },
      ],
      driftedCount: 2,
    }),
    ClusterUnreachable: makeEvent('ClusterUnreachable', {
      ...envelope('7'),
      cluster: 'prod-eu',
      reason: 'Unreachable',
      message: 'API server https://10.0.12.7 unreachable (ECONNREFUSED): connect ECONNREFUSED 10.0.12.7:443',
      attempts: 3,
    }),
  };
}
