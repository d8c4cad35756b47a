/**
 * Keeping drift events small: EventBridge caps an event at 256 KB and the publisher refuses a
 * detail over 64 KiB, so the drifted objects of an event, and their changed fields, are cut to a
 * budget — the count always says how many there were.
 */
import type { DriftedObjectDetail } from '#shared/events/catalog.ts';
import type { DriftFinding } from '#shared/kube/index.ts';

/** Objects listed in one event at most (the catalog's bound). */
export const MAX_EVENT_OBJECTS = 100;
/** Bytes the listed objects may take in one event (well under the publisher's 64 KiB). */
export const MAX_EVENT_BYTES = 32 * 1024;

/**
 * The findings as event entries, within {@link MAX_EVENT_OBJECTS} and `maxBytes` of JSON: objects
 * past the budget lose their fields first (counted in `fieldsOmitted`), then are left out.
 */
export function boundedDrift(findings: readonly DriftFinding[], maxBytes = MAX_EVENT_BYTES): DriftedObjectDetail[] {
  const out: DriftedObjectDetail[] = [];
  let used = 2;
  for (const finding of findings.slice(0, MAX_EVENT_OBJECTS)) {
    const object = {
      apiVersion: finding.object.apiVersion,
      kind: finding.object.kind,
      name: finding.object.name,
      ...(finding.object.namespace ? { namespace: finding.object.namespace } : {}),
    };
    const full: DriftedObjectDetail = {
      object,
      change: finding.change,
      fields: finding.fields.slice(0, 20),
      fieldsOmitted: finding.fieldsOmitted + Math.max(0, finding.fields.length - 20),
    };
    const bare: DriftedObjectDetail = { object, change: finding.change, fieldsOmitted: finding.fields.length + finding.fieldsOmitted };
    const fullSize = JSON.stringify(full).length + 1;
    if (used + fullSize <= maxBytes) {
      out.push(full);
      used += fullSize;
      continue;
    }
    const bareSize = JSON.stringify(bare).length + 1;
    if (used + bareSize > maxBytes) break;
    out.push(bare);
    used += bareSize;
  }
  return out;
}
