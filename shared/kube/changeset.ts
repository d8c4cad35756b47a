/**
 * The change set: what one apply (and prune) did to each object, plus the errors. Logs, alerts,
 * events and the CLI all print from it.
 */
import type { ChangeAction, ChangeSetSummary } from '#shared/events/catalog.ts';
import { describeObject } from '#shared/errors/index.ts';
import type { ObjectRef } from '#shared/errors/index.ts';

/** What happened to one object. */
export interface ChangeSetEntry {
  object: ObjectRef & { apiVersion: string };
  action: ChangeAction;
  /** Why, when not obvious (e.g. why an object was Skipped, or that it was recreated). */
  message?: string;
}

/** An error about one object (or the whole run when `object` is absent), free of secret values. */
export interface ObjectError {
  object?: ObjectRef & { apiVersion: string };
  message: string;
}

/** The result of a reconcile. */
export interface ChangeSet {
  entries: ChangeSetEntry[];
  errors: ObjectError[];
}

const ACTIONS: readonly ChangeAction[] = ['Created', 'Configured', 'Unchanged', 'Deleted', 'Skipped'];

/**
 * Bounded summary for events: counts of every action, then up to `maxEntries` entries with the
 * changes (Created, Configured, Deleted, Skipped) before the Unchanged ones, so the interesting part
 * survives truncation.
 */
export function summarizeChangeSet(changeSet: ChangeSet, maxEntries = 100): ChangeSetSummary {
  const counts = { Created: 0, Configured: 0, Unchanged: 0, Deleted: 0, Skipped: 0 };
  for (const entry of changeSet.entries) counts[entry.action]++;
  const limit = Math.max(0, Math.min(100, maxEntries));
  const ordered = [...changeSet.entries].sort((a, b) => Number(a.action === 'Unchanged') - Number(b.action === 'Unchanged'));
  const entries = ordered.slice(0, limit).map((entry) => ({ object: { ...entry.object }, action: entry.action }));
  return { counts, entries, omitted: changeSet.entries.length - entries.length };
}

/** True when the change set changed anything in the cluster. */
export function hasChanges(changeSet: ChangeSet): boolean {
  return changeSet.entries.some((e) => e.action === 'Created' || e.action === 'Configured' || e.action === 'Deleted');
}

/** Human-readable lines, one per entry (`Deployment.apps web in ns shop configured`), then errors. */
export function formatChangeSet(changeSet: ChangeSet): string {
  const lines = changeSet.entries.map((e) => `${describeObject(e.object)} ${e.action.toLowerCase()}${e.message ? ` (${e.message})` : ''}`);
  for (const error of changeSet.errors) lines.push(`error: ${error.message}`);
  return lines.join('\n');
}

/** Counts per action as `created 2, configured 1, unchanged 40`. */
export function formatCounts(changeSet: ChangeSet): string {
  const summary = summarizeChangeSet(changeSet, 0);
  return (
    ACTIONS.filter((a) => summary.counts[a] > 0)
      .map((a) => `${a.toLowerCase()} ${summary.counts[a]}`)
      .join(', ') || 'nothing to do'
  );
}
