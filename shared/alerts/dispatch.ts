/**
 * The alerts engine: one catalog event in, notifications out.
 *
 * For each Alert that matches the event (Flux's filtering), in order: claim the dedup key (the
 * same notification within five minutes goes out once), resolve the Provider's secret, build the
 * provider's payload (Block Kit, Flux event JSON, commit status) free of every secret value loaded,
 * and deliver it with bounded retries. A failed delivery releases its dedup claim, so a redelivered
 * event retries exactly the Alerts that failed. The caller learns every outcome; {@link
 * dispatchOrThrow} turns failures into one typed error for the function's batch response.
 */
import { errorMessage, InvalidInputError, isTransient, TidelineError, TransientError } from '#shared/errors/index.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { silentLogger, type Clock, type Logger, type SecretStore, type ThreadStore, type TtlStore } from '#shared/ports/index.ts';
import type { FluxAlert } from '#shared/config/alert.ts';
import type { FluxProvider } from '#shared/config/provider.ts';
import { alertsFor, kustomizationFacts, providerFor, type AlertingConfig } from './config.ts';
import { claimDelivery, COMMIT_STATUS_DEDUP_WINDOW_MS, commitStatusDedupKey, dedupKey, DEDUP_WINDOW_MS } from './dedup.ts';
import type { RetryPolicy } from './delivery.ts';
import { alertMatches } from './filter.ts';
import { postGenericEvent, toFluxEvent } from './generic.ts';
import { commitStatusFor, postCommitStatus } from './commit-status.ts';
import { isAlertable, isQuiet, toNotification, type AlertNotification } from './notification.ts';
import { resolveProvider, usesSlackWebApi, type ResolvedProvider } from './provider-secrets.ts';
import { Redactor } from './redact.ts';
import { postSlackMessage } from './slack.ts';
import { formatSlackMessage } from './slack-format.ts';

/** How long a revision's Slack thread is remembered. */
export const THREAD_TTL_MS = 7 * 24 * 3_600_000;

/** What the engine needs from the outside. */
export interface AlertDeps {
  config: AlertingConfig;
  secrets: SecretStore;
  dedup: TtlStore;
  threads: ThreadStore;
  clock: Clock;
  retry?: RetryPolicy;
  /** Values to redact on top of the Providers' secrets (e.g. other credentials the process holds). */
  extraSecretValues?: readonly string[];
  dedupWindowMs?: number;
  /** How many objects a Slack message lists (default 10). */
  maxObjects?: number;
  /** Where each delivery's outcome is logged: info when sent, skipped or a duplicate, warn when it failed. */
  logger?: Logger;
}

export type DeliveryOutcome = 'sent' | 'duplicate' | 'skipped' | 'failed';

/** The outcome of one Alert for one event. */
export interface AlertDelivery {
  alert: string;
  provider?: string;
  outcome: DeliveryOutcome;
  attempts?: number;
  /** Why it was skipped or failed (already free of secrets). */
  reason?: string;
  error?: TidelineError;
}

export interface DispatchReport {
  eventId?: string;
  detailType: string;
  deliveries: AlertDelivery[];
}

function alertId(alert: FluxAlert): string {
  return `${alert.metadata.namespace}/${alert.metadata.name}`;
}

/** Flux's combined metadata of an Alert: eventMetadata, then summary. */
function alertMetadata(alert: FluxAlert): Record<string, string> {
  return { ...(alert.spec.eventMetadata ?? {}), ...(alert.spec.summary ? { summary: alert.spec.summary } : {}) };
}

/** Sends `notification` through one resolved Provider; returns attempts, or a skip reason. */
async function send(
  notification: AlertNotification,
  alert: FluxAlert,
  resolved: ResolvedProvider,
  redactor: Redactor,
  deps: AlertDeps,
): Promise<{ attempts: number } | { skipped: string }> {
  const context = { clock: deps.clock, redactor, ...(deps.retry ? { retry: deps.retry } : {}) };
  const type = resolved.provider.spec.type;
  const object = notification.involvedObject;
  const facts = object.kind === 'Kustomization' ? kustomizationFacts(deps.config, notification.cluster, object.namespace ?? '', object.name) : undefined;
  if (type === 'slack') {
    const message = formatSlackMessage(notification, {
      metadata: alertMetadata(alert),
      redactor,
      ...(facts?.repoUrl ? { repoUrl: facts.repoUrl } : {}),
      ...(deps.maxObjects ? { maxObjects: deps.maxObjects } : {}),
    });
    const threaded = usesSlackWebApi(resolved) && notification.revision !== '';
    const threadKey = [
      resolved.id,
      resolved.provider.spec.channel ?? '',
      notification.cluster,
      `${object.namespace ?? ''}/${object.name}`,
      notification.revision,
    ].join('|');
    // Threads are a nicety: a thread store that fails must neither block nor repeat a message.
    const threadTs = threaded ? await deps.threads.get(threadKey).catch(() => undefined) : undefined;
    const delivered = await postSlackMessage(resolved, message, { ...context, ...(threadTs ? { threadTs } : {}) });
    if (threaded && !threadTs && delivered.ts) await deps.threads.putIfAbsent(threadKey, delivered.ts, THREAD_TTL_MS).catch(() => undefined);
    return { attempts: delivered.attempts };
  }
  if (type === 'generic' || type === 'generic-hmac') {
    return postGenericEvent(resolved, toFluxEvent(notification, alertMetadata(alert), redactor), context);
  }
  const status = commitStatusFor(notification, redactor);
  if (!status) return { skipped: `${notification.detailType} sets no commit status` };
  return postCommitStatus(resolved, status, context);
}

type Resolution = { resolved: ResolvedProvider } | { error: unknown };

/** Resolves every Provider that concerns `cluster`; a failure is kept for the Alerts that use it. */
async function resolveAll(deps: AlertDeps, cluster: string): Promise<Map<FluxProvider, Resolution>> {
  const out = new Map<FluxProvider, Resolution>();
  const providers = deps.config.providers.filter((p) => p.cluster === undefined || p.cluster === cluster).map((p) => p.value);
  await Promise.all(
    providers.map(async (provider) => {
      try {
        out.set(provider, { resolved: await resolveProvider(provider, deps.secrets) });
      } catch (error) {
        out.set(provider, { error });
      }
    }),
  );
  return out;
}

/**
 * Dispatches one catalog event to every matching Alert and reports each outcome. Never throws for
 * a delivery failure (see the report); events of types that raise no alert give an empty report.
 */
export async function dispatchEvent(event: CatalogEvent, deps: AlertDeps): Promise<DispatchReport> {
  const logger = deps.logger ?? silentLogger;
  const report: DispatchReport = { detailType: event.detailType, deliveries: [] };
  if ('eventId' in event.detail) report.eventId = event.detail.eventId;
  if (!isAlertable(event)) return report;
  const notification = toNotification(event);
  const labelsOf = ({ name, namespace }: { name: string; namespace: string }) => kustomizationFacts(deps.config, notification.cluster, namespace, name)?.labels;
  const matching = alertsFor(deps.config, notification.cluster).filter((alert) => alertMatches(alert, notification, labelsOf));
  if (matching.length === 0) return report;
  // Every Provider secret of this cluster is loaded up front and redacted from every delivery:
  // an error text may quote another Provider's token just as well as its own.
  const resolutions = await resolveAll(deps, notification.cluster);
  const redactor = new Redactor([
    ...(deps.extraSecretValues ?? []),
    ...[...resolutions.values()].flatMap((r) => ('resolved' in r ? r.resolved.secretValues : [])),
  ]);
  for (const alert of matching) {
    const delivery: AlertDelivery = { alert: alertId(alert), outcome: 'failed' };
    report.deliveries.push(delivery);
    let claimedKey: string | undefined;
    try {
      const provider = providerFor(deps.config, notification.cluster, alert);
      delivery.provider = `${provider.metadata.namespace}/${provider.metadata.name}`;
      if (provider.spec.suspend) {
        Object.assign(delivery, { outcome: 'skipped', reason: 'provider suspended' });
        continue;
      }
      const setsCommitStatus = provider.spec.type === 'github' || provider.spec.type === 'gitlab';
      if (!setsCommitStatus && isQuiet(notification)) {
        // A periodic reconcile that changed nothing is not news (Flux stays silent too); the
        // commit status still records that the revision reconciled.
        Object.assign(delivery, { outcome: 'skipped', reason: 'nothing changed' });
        continue;
      }
      const key = setsCommitStatus ? commitStatusDedupKey(alert.metadata, notification) : dedupKey(alert.metadata, notification);
      const window = setsCommitStatus ? COMMIT_STATUS_DEDUP_WINDOW_MS : (deps.dedupWindowMs ?? DEDUP_WINDOW_MS);
      if (!(await claimDelivery(deps.dedup, key, window))) {
        Object.assign(delivery, { outcome: 'duplicate', reason: 'sent within the dedup window' });
        continue;
      }
      claimedKey = key;
      const resolution = resolutions.get(provider);
      if (!resolution) throw new Error(`Provider ${delivery.provider} was not resolved`);
      if ('error' in resolution) throw resolution.error;
      const resolved = resolution.resolved;
      const result = await send(notification, alert, resolved, redactor, deps);
      if ('skipped' in result) {
        Object.assign(delivery, { outcome: 'skipped', reason: result.skipped });
        await deps.dedup.delete(key);
      } else {
        Object.assign(delivery, { outcome: 'sent', attempts: result.attempts });
      }
    } catch (error) {
      // Release the claim so a redelivery of this event retries this Alert.
      if (claimedKey) await deps.dedup.delete(claimedKey).catch(() => undefined);
      const typed =
        error instanceof TidelineError ? error : new TransientError(`Alert ${alertId(alert)}: ${redactor.redact(errorMessage(error))}`, { cause: error });
      Object.assign(delivery, { outcome: 'failed', reason: redactor.redact(typed.message), error: typed });
    } finally {
      const entry = {
        eventId: report.eventId,
        correlationId: notification.correlationId,
        detailType: event.detailType,
        alert: delivery.alert,
        provider: delivery.provider,
        outcome: delivery.outcome,
        attempts: delivery.attempts,
        reason: delivery.reason,
      };
      if (delivery.outcome === 'failed') logger.warn('alert delivery', entry);
      else logger.info('alert delivery', entry);
    }
  }
  return report;
}

/** Thrown when some deliveries of an event failed for good; the event belongs in the DLQ. */
export class AlertDispatchError extends InvalidInputError {
  readonly failures: AlertDelivery[];

  constructor(message: string, failures: AlertDelivery[]) {
    super(message);
    this.failures = failures;
  }
}

/**
 * Dispatches and throws when any delivery failed: TransientError when at least one failure may
 * pass on retry (so the queue redelivers), AlertDispatchError (final) otherwise. Messages hold
 * only redacted reasons.
 */
export async function dispatchOrThrow(event: CatalogEvent, deps: AlertDeps): Promise<DispatchReport> {
  const report = await dispatchEvent(event, deps);
  const failures = report.deliveries.filter((d) => d.outcome === 'failed');
  if (failures.length === 0) return report;
  const summary = `${report.detailType} ${report.eventId ?? ''}: ${failures.length} alert delivery(ies) failed: ${failures.map((f) => `${f.alert}: ${f.reason}`).join('; ')}`;
  if (failures.some((f) => isTransient(f.error))) throw new TransientError(summary);
  throw new AlertDispatchError(summary, failures);
}
