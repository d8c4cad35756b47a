/**
 * The `generic` and `generic-hmac` Providers: the event as Flux's JSON, POSTed to a webhook.
 *
 * The body has the shape of Flux's `Event` (involvedObject, severity, timestamp, message, reason,
 * metadata, reportingController), so receivers written for Flux's forwarder read Tideline's
 * unchanged. With `generic-hmac` the body is signed like Flux does: `X-Signature: sha256=<hex of
 * HMAC-SHA256(body, token)>`, computed over the exact bytes sent.
 */
import { createHmac } from 'node:crypto';
import { deliver, httpVerdict, type DeliveryContext } from './delivery.ts';
import type { AlertNotification } from './notification.ts';
import { providerLabel, type ResolvedProvider } from './provider-secrets.ts';
import type { Redactor } from './redact.ts';

/** Flux's event JSON as the generic webhook sends it. */
export interface FluxEventPayload {
  involvedObject: { kind: string; namespace?: string; name: string; apiVersion?: string };
  severity: 'info' | 'error';
  timestamp: string;
  message: string;
  reason: string;
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
}

/** Who reports Tideline's events (Flux puts the controller name here). */
export const REPORTING_CONTROLLER = 'tideline';

/**
 * Builds the Flux-style event of a notification. `metadata` (the Alert's summary and
 * eventMetadata) comes first so the event's own keys (revision, cluster) win, as in Flux.
 */
export function toFluxEvent(notification: AlertNotification, metadata: Record<string, string>, redactor: Redactor): FluxEventPayload {
  const object = notification.involvedObject;
  const ownMetadata: Record<string, string> = { cluster: notification.cluster };
  if (notification.revision) ownMetadata.revision = notification.revision;
  const payload: FluxEventPayload = {
    involvedObject:
      object.kind === 'Kustomization'
        ? { kind: object.kind, namespace: object.namespace ?? '', name: object.name, apiVersion: 'kustomize.toolkit.fluxcd.io/v1' }
        : { kind: object.kind, name: object.name },
    severity: notification.severity,
    timestamp: notification.occurredAt,
    message: notification.message,
    reason: notification.reason,
    metadata: { ...metadata, ...ownMetadata },
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: REPORTING_CONTROLLER,
  };
  return redactor.redactDeep(payload);
}

/** The `X-Signature` value Flux's generic-hmac sends for `body`. */
export function hmacSignature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** POSTs the event to a generic(-hmac) Provider's address. */
export async function postGenericEvent(resolved: ResolvedProvider, event: FluxEventPayload, context: DeliveryContext): Promise<{ attempts: number }> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'gotk-component': REPORTING_CONTROLLER };
  if (resolved.provider.spec.type === 'generic-hmac' && resolved.token) headers['x-signature'] = hmacSignature(body, resolved.token);
  const url = resolved.address ?? '';
  const delivered = await deliver(
    { target: providerLabel(resolved.provider), url, headers, body, timeoutMs: resolved.provider.timeoutMs },
    httpVerdict,
    context,
  );
  return { attempts: delivered.attempts };
}
