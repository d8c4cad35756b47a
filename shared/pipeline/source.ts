/**
 * The source engine: resolves where each followed ref points and announces a move as one
 * SourceChanged per fetch (repository + ref), however many clusters follow it. Repeated and
 * out-of-order webhooks collapse: the ref is resolved when the event is handled, so every
 * delivery of a burst sees the newest commit and only the first one that sees it emits.
 */
import { errorMessage, TidelineError } from '#shared/errors/index.ts';
import { describeRef } from '#shared/config/git-repository.ts';
import { durationToMs } from '#shared/config/duration.ts';
import { makeEvent, type EventDetail } from '#shared/events/catalog.ts';
import type { ResolvedRevision } from '#shared/ports/index.ts';
import { envelope, isoNow, type SourceDeps } from './deps.ts';
import { allSources, sourcesForResources, type SourceEntry } from './fleet-view.ts';
import { commitOf, fetchKeyOf, fetchSpecOf, refKey, sourceId } from './sources.ts';
import { KeyedMutex } from './mutex.ts';

const fetchLocks = new KeyedMutex();

/** Sources grouped by what they fetch. */
function byFetch(entries: readonly SourceEntry[]): Map<string, SourceEntry[]> {
  const groups = new Map<string, SourceEntry[]>();
  for (const entry of entries) {
    const key = fetchKeyOf(entry.repository);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return groups;
}

/** Flux's Ready message for a source at a revision. */
function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

/**
 * Resolves the given sources (one ls-remote per repository and ref), records their status and
 * emits SourceChanged for each fetch whose revision moved — or for every one when `force`
 * (a person asked for a reconcile). Failures are recorded on each source's status and logged;
 * they never stop the other sources. Returns the events emitted.
 */
export async function syncSources(
  entries: readonly SourceEntry[],
  deps: SourceDeps,
  options: { correlationId: string; force?: boolean },
): Promise<EventDetail<'SourceChanged'>[]> {
  const emitted: EventDetail<'SourceChanged'>[] = [];
  await Promise.all(
    [...byFetch(entries)].map(([key, group]) =>
      fetchLocks.run(key, async () => {
        const representative = group[0] as SourceEntry;
        const suspended = group.every((entry) => entry.repository.spec.suspend === true);
        if (suspended) return;
        let resolved: ResolvedRevision;
        try {
          const spec = await fetchSpecOf(representative.repository, deps.secrets);
          resolved = await deps.git.resolve(spec);
        } catch (error) {
          await recordSourceFailure(group, error, deps);
          return;
        }
        const previous = await Promise.all(group.map((entry) => deps.status.getSource(entry.key)));
        const moved = previous.some((status) => status?.revision !== resolved.revision || status.ready.status !== 'True');
        const now = isoNow(deps.clock);
        await Promise.all(
          group.map((entry, index) =>
            deps.status.updateSource(entry.key, {
              url: entry.repository.spec.url,
              ref: describeRef(entry.repository.spec.ref ?? {}),
              revision: resolved.revision,
              lastFetchedAt: now,
              ready: readyCondition(previous[index]?.ready, 'True', 'Succeeded', storedMessage(resolved.revision), now),
            }),
          ),
        );
        if (!moved && !options.force) return;
        const previousCommit = commitOf(previous.find((status) => status?.revision)?.revision);
        const detail: EventDetail<'SourceChanged'> = {
          ...envelope(deps.clock, options.correlationId),
          source: { kind: 'GitRepository', name: representative.key.name, namespace: representative.key.namespace },
          url: representative.repository.spec.url,
          ref: refKey(representative.repository.spec.ref ?? {}),
          revision: resolved.commit,
          ...(previousCommit && previousCommit !== resolved.commit ? { previousRevision: previousCommit } : {}),
        };
        deps.logger.info('source changed', { source: sourceId(representative.key), revision: resolved.revision, clusters: group.length });
        await deps.bus.publish([makeEvent('SourceChanged', detail)]);
        emitted.push(detail);
      }),
    ),
  );
  return emitted;
}

/** Keeps `since` when the condition's status did not change, as Kubernetes conditions do. */
export function readyCondition(
  previous: { status: string; since: string } | undefined,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  now: string,
) {
  return { status, reason, message, since: previous?.status === status ? previous.since : now };
}

async function recordSourceFailure(group: readonly SourceEntry[], error: unknown, deps: SourceDeps): Promise<void> {
  const message = errorMessage(error);
  const reason = error instanceof TidelineError && error.name === 'UnauthorizedError' ? 'AuthenticationFailed' : 'GitOperationFailed';
  deps.logger.error('source failed', { source: sourceId((group[0] as SourceEntry).key), reason, error: message });
  const now = isoNow(deps.clock);
  await Promise.all(
    group.map(async (entry) => {
      const previous = await deps.status.getSource(entry.key);
      await deps.status.updateSource(entry.key, {
        url: entry.repository.spec.url,
        ref: describeRef(entry.repository.spec.ref ?? {}),
        lastFetchedAt: now,
        ready: readyCondition(previous?.ready, 'False', reason, message, now),
      });
    }),
  );
}

/** On a verified webhook: sync the sources its Receiver lists (or those its listed Kustomizations follow). */
export async function handleGitPush(detail: EventDetail<'GitPushReceived'>, deps: SourceDeps): Promise<EventDetail<'SourceChanged'>[]> {
  const snapshot = await deps.fleet.load();
  const entries = sourcesForResources(snapshot, deps.bootstrap, detail.resources);
  if (entries.length === 0)
    deps.logger.warn('webhook names no known source', {
      receiver: `${detail.receiver.namespace}/${detail.receiver.name}`,
      correlationId: detail.correlationId,
    });
  return syncSources(entries, deps, { correlationId: detail.correlationId });
}

/** Sources whose `interval` has passed since they were last fetched (and that are not suspended). */
export async function dueSources(deps: SourceDeps): Promise<SourceEntry[]> {
  const now = deps.clock.now();
  const due: SourceEntry[] = [];
  for (const entry of allSources(await deps.fleet.load(), deps.bootstrap)) {
    if (entry.repository.spec.suspend) continue;
    const status = await deps.status.getSource(entry.key);
    if (status?.suspended) continue;
    const last = status?.lastFetchedAt ? Date.parse(status.lastFetchedAt) : Number.NEGATIVE_INFINITY;
    if (now - last >= durationToMs(entry.repository.spec.interval)) due.push(entry);
  }
  return due;
}
