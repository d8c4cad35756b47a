// Cluster records between the sweep and its shards, against moto: the sweep's DriftCheckRequested
// names each record's AWSCURRENT version, and a warm shard container (its own registry) serves a
// record it read at that version from its cache, however long ago — Secrets Manager is only asked
// again when the record changed. Calls are counted on the shard's Secrets Manager client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClusterRegistry } from '#shared/adapters/aws/secrets-manager-cluster-registry.ts';
import { startDriftSweep } from '#shared/drift/index.ts';
import type { CatalogEvent, EventDetail } from '#shared/events/catalog.ts';
import { silentLogger, type Clock, type EventBus } from '#shared/ports/index.ts';
import { getTestEnv } from '#test/env/index.ts';

function record(cluster: string): string {
  return JSON.stringify({ labels: {}, eks: { cluster, region: 'eu-west-1' } });
}

/** A clock the test moves by hand (past the registry's TTL). */
function handClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

/** A moto client whose requests are counted by operation name (an SDK middleware, as the wire sees them). */
async function countingClient(t: TestContext): Promise<{ client: SecretsManagerClient; calls: Map<string, number> }> {
  const { moto } = await getTestEnv();
  const client = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  t.after(() => client.destroy());
  return { client, calls };
}

/** A bus that keeps what the sweep published. */
function capturingBus(): EventBus & { shards: EventDetail<'DriftCheckRequested'>[] } {
  const shards: EventDetail<'DriftCheckRequested'>[] = [];
  return {
    shards,
    publish: async (events: readonly CatalogEvent[]) => {
      for (const event of events) if (event.detailType === 'DriftCheckRequested') shards.push(event.detail);
      return { published: events.length, failed: [] };
    },
  };
}

/** One sweep (its own container's registry), then the shard's reads of each cluster it was given. */
async function sweepAndReadInShard(sweepRegistry: SecretsManagerClusterRegistry, shardRegistry: SecretsManagerClusterRegistry, clock: Clock) {
  const bus = capturingBus();
  await startDriftSweep({ bus, clusters: sweepRegistry, clock, logger: silentLogger }, { shardSize: 25 });
  const shard = bus.shards[0] as EventDetail<'DriftCheckRequested'>;
  for (const cluster of shard.clusters) await shardRegistry.get(cluster, shard.versions?.[cluster] ? { version: shard.versions[cluster] } : {});
  return shard;
}

test('a warm shard reads no unchanged cluster record again on the next sweep, and reads a changed one', async (t) => {
  // Prepare: two clusters; the sweep and the shard in separate containers, each with its registry.
  const prefix = `tideline-${randomBytes(4).toString('hex')}/`;
  const sweepSide = await countingClient(t);
  const shardSide = await countingClient(t);
  for (const name of ['a', 'b']) await sweepSide.client.send(new CreateSecretCommand({ Name: `${prefix}clusters/${name}`, SecretString: record(name) }));
  const clock = handClock();
  const sweepRegistry = new SecretsManagerClusterRegistry(sweepSide.client, { prefix, ttlMs: 60_000, clock });
  const shardRegistry = new SecretsManagerClusterRegistry(shardSide.client, { prefix, ttlMs: 60_000, clock });
  const first = await sweepAndReadInShard(sweepRegistry, shardRegistry, clock);
  const firstReads = shardSide.calls.get('GetSecretValueCommand') ?? 0;
  // Act: the next sweep, five minutes later (well past the TTL), nothing changed.
  clock.advance(300_000);
  shardSide.calls.clear();
  const second = await sweepAndReadInShard(sweepRegistry, shardRegistry, clock);
  const unchanged = new Map(shardSide.calls);
  // …then b's record changes before the sweep after that.
  await sweepSide.client.send(new PutSecretValueCommand({ SecretId: `${prefix}clusters/b`, SecretString: record('b-moved') }));
  clock.advance(300_000);
  shardSide.calls.clear();
  const third = await sweepAndReadInShard(sweepRegistry, shardRegistry, clock);
  const b = await shardRegistry.get('b', { version: third.versions?.['b'] as string });
  // Assess
  assert.equal(firstReads, 2, 'a cold shard reads each record once');
  assert.deepEqual(Object.keys(first.versions ?? {}).sort(), ['a', 'b'], 'the shard event names every record version');
  assert.deepEqual(second.versions, first.versions);
  assert.deepEqual([...unchanged], [], 'no Secrets Manager call at all from the warm shard');
  assert.notEqual(third.versions?.['b'], first.versions?.['b']);
  assert.equal(third.versions?.['a'], first.versions?.['a']);
  assert.equal(shardSide.calls.get('GetSecretValueCommand'), 1, 'only the changed record is read again');
  assert.deepEqual(b.access, { type: 'eks', clusterName: 'b-moved', region: 'eu-west-1' });
});
