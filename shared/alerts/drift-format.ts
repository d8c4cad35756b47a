/**
 * How a drifted object reads in an alert: the object and its change, then one line per changed
 * field — Git's value → the cluster's, and the field manager that holds it now — so whoever reads
 * the alert sees what was changed and by which tool. Values arrive masked for Secrets.
 */
import type { DriftedObjectDetail, FieldDriftDetail } from '#shared/events/catalog.ts';
import { compactObject } from './notification.ts';

/** `spec.replicas: 2 → 5 (by kubectl (scale))`; a removed field reads `→ (removed)`, a field only taken over `now held by …`. */
export function describeFieldDrift(field: FieldDriftDetail): string {
  const by = field.manager ? ` (by ${field.manager})` : '';
  if (field.actual === undefined) return `${field.path}: ${field.expected} → (removed)${by}`;
  if (field.actual === field.expected) return `${field.path}: ${field.expected}, now held by ${field.manager ?? 'another manager'}`;
  return `${field.path}: ${field.expected} → ${field.actual}${by}`;
}

/** The object line of a drifted object (`Deployment/shop/web modified`, `Service/shop/web deleted`). */
export function describeDriftedObject(drifted: DriftedObjectDetail): string {
  return `${compactObject(drifted.object)} ${drifted.change === 'Missing' ? 'deleted' : 'modified'}`;
}

/** The field lines of a drifted object, at most `maxFields`, and how many more there were. */
export function fieldLines(drifted: DriftedObjectDetail, maxFields = 5): string[] {
  const fields = drifted.fields ?? [];
  const lines = fields.slice(0, maxFields).map(describeFieldDrift);
  const more = fields.length - Math.min(fields.length, maxFields) + (drifted.fieldsOmitted ?? 0);
  if (more > 0) lines.push(`… ${more} more field(s)`);
  return lines;
}

/** Plain-text lines of a drift event's objects: each object, then its fields indented. */
export function driftTextLines(drifted: readonly DriftedObjectDetail[], total: number, maxFields = 5): string[] {
  const lines: string[] = [];
  for (const object of drifted) {
    lines.push(describeDriftedObject(object));
    for (const line of fieldLines(object, maxFields)) lines.push(`  ${line}`);
  }
  if (total > drifted.length) lines.push(`… and ${total - drifted.length} more object(s)`);
  return lines;
}
