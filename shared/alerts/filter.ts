/**
 * Which Alerts an event goes to, with Flux's semantics.
 *
 * An Alert receives an event when it is not suspended, one of its event sources matches the
 * involved object (kind, namespace defaulting to the Alert's, name or `*`, matchLabels on the
 * object's labels) at the Alert's severity floor (`info` lets everything through, `error` only
 * errors), at least one inclusion regex matches the message (when there are any), and no
 * exclusion regex does.
 */
import type { AlertEventSource, FluxAlert } from '#shared/config/alert.ts';
import type { AlertNotification } from './notification.ts';

/** Labels of the Kustomization an event is about, for matchLabels; undefined when unknown. */
export type LabelLookup = (kustomization: { name: string; namespace: string }) => Record<string, string> | undefined;

function sourceMatches(alert: FluxAlert, source: AlertEventSource, notification: AlertNotification, labelsOf: LabelLookup): boolean {
  const object = notification.involvedObject;
  if (object.kind === 'Cluster') {
    // A cluster-wide event concerns every Kustomization on that cluster: a `Cluster` source
    // selects it by name, and a catch-all Kustomization source (no labels to check) receives it too.
    if (source.kind === 'Cluster') return source.name === '*' || source.name === object.name;
    return source.kind === 'Kustomization' && source.name === '*' && !source.matchLabels;
  }
  if (source.kind !== object.kind) return false;
  if ((source.namespace ?? alert.metadata.namespace) !== object.namespace) return false;
  if (source.name !== '*' && source.name !== object.name) return false;
  if (!source.matchLabels) return true;
  // As in Flux, an object whose labels cannot be read matches no label selector.
  const labels = labelsOf({ name: object.name, namespace: object.namespace ?? '' });
  if (!labels) return false;
  return Object.entries(source.matchLabels).every(([key, value]) => labels[key] === value);
}

/** True when `alert` should receive `notification` (see the module comment for the rules). */
export function alertMatches(alert: FluxAlert, notification: AlertNotification, labelsOf: LabelLookup = () => undefined): boolean {
  if (alert.spec.suspend) return false;
  if (alert.spec.eventSeverity === 'error' && notification.severity !== 'error') return false;
  if (!alert.spec.eventSources.some((source) => sourceMatches(alert, source, notification, labelsOf))) return false;
  if (alert.inclusion.length > 0 && !alert.inclusion.some((re) => re.test(notification.message))) return false;
  if (alert.exclusion.some((re) => re.test(notification.message))) return false;
  return true;
}

/** The Alerts, among `alerts`, that receive `notification`. */
export function matchingAlerts(alerts: readonly FluxAlert[], notification: AlertNotification, labelsOf?: LabelLookup): FluxAlert[] {
  return alerts.filter((alert) => alertMatches(alert, notification, labelsOf));
}
