/**
 * Alert dedup: the same notification is sent once within a window.
 *
 * Flux rate-limits identical events (same object, message and revision) for five minutes; Tideline
 * does the same per Alert, keyed on (cluster, Kustomization, reason, revision, message), through the
 * TtlStore port (DynamoDB with TTL in AWS, memory locally). Keying per Alert lets a redelivered
 * event reach the Alerts that failed the first time without repeating the ones that succeeded.
 */
import { createHash } from 'node:crypto';
import type { TtlStore } from '#shared/ports/index.ts';
import type { AlertNotification } from './notification.ts';

/** Flux's dedup window. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

/**
 * `prefix` + the digest of the Alert, cluster and object of `notification` and then `facts`
 * (`name=value` lines): keys name no message text, and two kinds of key never collide.
 */
function notificationKey(prefix: string, alert: { name: string; namespace: string }, notification: AlertNotification, facts: string[]): string {
  const object = notification.involvedObject;
  const parts = [
    `alert=${alert.namespace}/${alert.name}`,
    `cluster=${notification.cluster}`,
    `object=${object.kind}/${object.namespace ?? ''}/${object.name}`,
    ...facts,
  ];
  return `${prefix}${createHash('sha256').update(parts.join('\n')).digest('hex')}`;
}

/** The dedup key of a notification for one Alert: a digest, so no message text is stored. */
export function dedupKey(alert: { name: string; namespace: string }, notification: AlertNotification): string {
  return notificationKey('alert-dedup/', alert, notification, [
    `reason=${notification.reason}`,
    `revision=${notification.revision}`,
    `message=${notification.message}`,
  ]);
}

/** Claims the right to send; false when the same notification went out within the window. */
export function claimDelivery(store: TtlStore, key: string, windowMs = DEDUP_WINDOW_MS): Promise<boolean> {
  return store.putIfAbsent(key, windowMs);
}

/**
 * How long the same commit status is not set again. Git hosts keep every status they are sent
 * (GitHub refuses more than 1,000 per commit and context), and a revision reconciles at every
 * interval, so an unchanged state is set once a day at most.
 */
export const COMMIT_STATUS_DEDUP_WINDOW_MS = 24 * 3_600_000;

/** The dedup key of a commit status: the state of a revision per Alert, cluster and Kustomization. */
export function commitStatusDedupKey(alert: { name: string; namespace: string }, notification: AlertNotification): string {
  return notificationKey('alert-status/', alert, notification, [`revision=${notification.revision}`, `severity=${notification.severity}`]);
}
