/**
 * Tideline events seen as Flux notification events.
 *
 * Alerts filter on a Flux-shaped view of each event (involved object kind/name/namespace,
 * severity, reason, message), so a Flux user's Alert objects select the same things they did
 * under Flux. The message is deliberately stable for a given outcome (no durations, no
 * timestamps) because dedup and the inclusion/exclusion regexes work on it.
 */
import type { CatalogEvent, ChangeSetSummary, DetailType, EventObjectRef } from '#shared/events/catalog.ts';
import { describeObject } from '#shared/errors/index.ts';
import { driftTextLines } from './drift-format.ts';

/** Event types the alerts engine turns into notifications. */
export const ALERTABLE_TYPES = [
  'ReconcileSucceeded',
  'ReconcileFailed',
  'HealthCheckFailed',
  'RenderFailed',
  'DriftDetected',
  'DriftCorrected',
  'ClusterUnreachable',
] as const satisfies readonly DetailType[];
export type AlertableType = (typeof ALERTABLE_TYPES)[number];
export type AlertableEvent = CatalogEvent<AlertableType>;

export type Severity = 'info' | 'error';

/** The Flux-like view of an event that filtering, dedup and every provider work from. */
export interface AlertNotification {
  detailType: AlertableType;
  /** What Alert eventSources match: a Kustomization, or the cluster for cluster-wide events. */
  involvedObject: { kind: 'Kustomization' | 'Cluster'; name: string; namespace?: string };
  cluster: string;
  severity: Severity;
  /** Flux-style reason in CamelCase, e.g. ReconciliationSucceeded, ApplyFailed. */
  reason: string;
  /** Human message; stable for a given outcome so dedup and regexes work on it. */
  message: string;
  /** Source revision as Flux writes it (`main@sha1:<sha>`); empty for cluster-wide events. */
  revision: string;
  occurredAt: string;
  eventId: string;
  correlationId: string;
  event: AlertableEvent;
}

/** True when the event is one of the types alerts are sent for. */
export function isAlertable(event: CatalogEvent): event is AlertableEvent {
  return (ALERTABLE_TYPES as readonly string[]).includes(event.detailType);
}

/** Formats a change-set's counts as `2 created, 1 configured` (zero counts left out). */
export function describeCounts(changeSet: ChangeSetSummary): string {
  const parts = (['Created', 'Configured', 'Deleted', 'Skipped', 'Unchanged'] as const)
    .filter((action) => changeSet.counts[action] > 0)
    .map((action) => `${changeSet.counts[action]} ${action.toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'no objects';
}

/** `Deployment/shop/web` — the compact identity Flux prints in change-set messages. */
export function compactObject(ref: EventObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

function changeSetMessage(changeSet: ChangeSetSummary): string {
  const lines = changeSet.entries
    .filter((entry) => entry.action !== 'Unchanged')
    .map((entry) => `${compactObject(entry.object)} ${entry.action.toLowerCase()}`);
  const shown = lines.length;
  const changed = changeSet.counts.Created + changeSet.counts.Configured + changeSet.counts.Deleted + changeSet.counts.Skipped;
  if (changed > shown) lines.push(`… and ${changed - shown} more`);
  return [describeCounts(changeSet), ...lines].join('\n');
}

/** Maps a catalog event to its Flux-like notification view. */
export function toNotification(event: AlertableEvent): AlertNotification {
  const base = { eventId: event.detail.eventId, correlationId: event.detail.correlationId, occurredAt: event.detail.occurredAt, event };
  switch (event.detailType) {
    case 'ClusterUnreachable': {
      const d = event.detail;
      return {
        ...base,
        detailType: event.detailType,
        involvedObject: { kind: 'Cluster', name: d.cluster },
        cluster: d.cluster,
        severity: 'error',
        reason: d.reason,
        message: d.message,
        revision: '',
      };
    }
    default:
      break;
  }
  const d = event.detail;
  const target = {
    ...base,
    involvedObject: { kind: 'Kustomization' as const, name: d.kustomization.name, namespace: d.kustomization.namespace },
    cluster: d.cluster,
    revision: d.revision,
  };
  switch (event.detailType) {
    case 'ReconcileSucceeded':
      return {
        ...target,
        detailType: event.detailType,
        severity: 'info',
        reason: 'ReconciliationSucceeded',
        message: changeSetMessage(event.detail.changeSet),
      };
    case 'ReconcileFailed': {
      const errors = event.detail.errors.map((e) => (e.object ? `${describeObject(e.object)}: ${e.message}` : e.message));
      return { ...target, detailType: event.detailType, severity: 'error', reason: event.detail.reason, message: [event.detail.message, ...errors].join('\n') };
    }
    case 'HealthCheckFailed': {
      const lines = event.detail.unhealthy.map((u) => `${compactObject(u.object)} ${u.status}: ${u.message}`);
      return {
        ...target,
        detailType: event.detailType,
        severity: 'error',
        reason: 'HealthCheckFailed',
        message: [`health check failed after ${Math.round(event.detail.timeoutMs / 1000)}s`, ...lines].join('\n'),
      };
    }
    case 'RenderFailed':
      return { ...target, detailType: event.detailType, severity: 'error', reason: event.detail.reason, message: event.detail.message };
    case 'DriftDetected': {
      const lines = driftTextLines(event.detail.drifted, event.detail.driftedCount);
      return {
        ...target,
        detailType: event.detailType,
        // Drift that will be corrected is news; drift left in place needs a human.
        severity: event.detail.willCorrect ? 'info' : 'error',
        reason: 'DriftDetected',
        message: [
          `${event.detail.driftedCount} object(s) drifted from the desired state${event.detail.mode === 'detect' ? ' (detect mode: left in place)' : ''}`,
          ...lines,
        ].join('\n'),
      };
    }
    case 'DriftCorrected': {
      const drifted = event.detail.drifted ?? [];
      const message =
        drifted.length > 0
          ? [
              `${event.detail.driftedCount ?? drifted.length} drifted object(s) put back to the desired state`,
              ...driftTextLines(drifted, event.detail.driftedCount ?? drifted.length),
            ].join('\n')
          : changeSetMessage(event.detail.changeSet);
      return { ...target, detailType: event.detailType, severity: 'info', reason: 'DriftCorrected', message };
    }
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event type ${(unreachable as CatalogEvent).detailType}`);
    }
  }
}

/** True for a success that changed nothing (a periodic reconcile or an empty correction). */
export function isQuiet(notification: AlertNotification): boolean {
  const event = notification.event;
  if (event.detailType !== 'ReconcileSucceeded' && event.detailType !== 'DriftCorrected') return false;
  const counts = event.detail.changeSet.counts;
  return counts.Created + counts.Configured + counts.Deleted === 0;
}

/** The commit sha inside a Flux revision (`main@sha1:<sha>`, `sha1:<sha>`, `<sha>`), if any. */
export function commitOf(revision: string): string | undefined {
  const match = /(?:^|[@:])([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(revision);
  return match?.[1];
}

/** The branch or tag part of a Flux revision (`main` of `main@sha1:<sha>`), if any. */
export function refOf(revision: string): string | undefined {
  const at = revision.lastIndexOf('@');
  return at > 0 ? revision.slice(0, at) : undefined;
}
