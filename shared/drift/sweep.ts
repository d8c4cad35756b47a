/**
 * The scheduled sweep: lists the registered clusters (Secrets Manager records under the prefix,
 * every page, tags as labels — or the kubeconfig's contexts locally) and fans them out over the
 * bus in DriftCheckRequested shards, so no invocation holds more than a shard of the fleet and the
 * shards run in parallel.
 */
import { randomUUID } from 'node:crypto';
import { makeEvent, type CatalogEvent } from '#shared/events/catalog.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { DriftDeps, DriftSettings } from './deps.ts';

/** What a sweep started. */
export interface SweepStarted {
  sweepId: string;
  clusters: number;
  shards: number;
}

/** Splits cluster names into shards of at most `size` (names sorted, so a cluster keeps its shard while the fleet is stable). */
export function shardClusters(names: readonly string[], size: number): string[][] {
  if (!Number.isInteger(size) || size < 1 || size > 200) throw new InvalidInputError(`drift shard size must be a whole number from 1 to 200, not ${size}`);
  const sorted = [...new Set(names)].sort();
  const shards: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) shards.push(sorted.slice(i, i + size));
  return shards;
}

/** Starts a sweep: one DriftCheckRequested per shard of the registered clusters. */
export async function startDriftSweep(
  deps: Pick<DriftDeps, 'bus' | 'clusters' | 'clock' | 'logger'>,
  settings: Pick<DriftSettings, 'shardSize'>,
): Promise<SweepStarted> {
  const sweepId = `drift-${randomUUID()}`;
  const records = await deps.clusters.list();
  const names = records.map((record) => record.name);
  const versionOf = new Map(records.flatMap((record) => (record.version ? [[record.name, record.version] as const] : [])));
  const shards = shardClusters(names, settings.shardSize);
  const occurredAt = new Date(deps.clock.now()).toISOString();
  const events: CatalogEvent[] = shards.map((clusters, index) =>
    makeEvent('DriftCheckRequested', {
      version: 1,
      eventId: randomUUID(),
      correlationId: sweepId,
      occurredAt,
      sweepId,
      shard: { index, count: shards.length },
      clusters,
      ...versionsOf(clusters, versionOf),
    }),
  );
  if (events.length > 0) {
    const published = await deps.bus.publish(events);
    for (const failure of published.failed) deps.logger.error('drift shard not published', { sweepId, reason: failure.reason });
  }
  deps.logger.info('drift sweep started', { sweepId, clusters: names.length, shards: shards.length });
  return { sweepId, clusters: names.length, shards: shards.length };
}

/** The shard's record versions, when the registry has them (the field is left out otherwise). */
function versionsOf(clusters: readonly string[], versionOf: ReadonlyMap<string, string>): { versions?: Record<string, string> } {
  const versions = Object.fromEntries(clusters.flatMap((name) => (versionOf.has(name) ? [[name, versionOf.get(name) as string]] : [])));
  return Object.keys(versions).length > 0 ? { versions } : {};
}
