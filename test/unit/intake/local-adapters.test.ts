import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventBridgeEnvelope } from '#shared/adapters/local/in-process-bus.ts';
import { InProcessBus } from '#shared/adapters/local/in-process-bus.ts';
import { LocalSecretStore, secretEnvVariable } from '#shared/adapters/local/local-secret-store.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import { patternFor } from '#shared/events/catalog.ts';
import { parseEvent } from '#shared/events/parse.ts';
import { SAMPLE_SHA as SHA, gitPushEvent } from '#test/support/events.ts';

const push = gitPushEvent({ provider: 'gitea', repository: { urls: ['https://gitea.example.com/infra/fleet.git'] } });

test('the in-process bus delivers an event to subscribers whose catalog pattern matches, as an EventBridge envelope', async () => {
  // Prepare
  const bus = new InProcessBus();
  const received: EventBridgeEnvelope[] = [];
  const other: EventBridgeEnvelope[] = [];
  bus.subscribe(patternFor('GitPushReceived'), (envelope) => void received.push(envelope));
  bus.subscribe(patternFor('ReconcileFailed'), (envelope) => void other.push(envelope));
  // Act
  const result = await bus.publish([push]);
  await bus.drain();
  // Assess
  assert.equal(result.published, 1);
  assert.equal(received.length, 1);
  assert.equal(other.length, 0);
  assert.equal(parseEvent('GitPushReceived', received[0]).detail.revision, SHA);
});

test('a failing subscriber does not fail the publisher and is reported to onError', async () => {
  // Prepare
  const errors: unknown[] = [];
  const bus = new InProcessBus({ onError: (error) => errors.push(error) });
  bus.subscribe(patternFor('GitPushReceived'), () => {
    throw new Error('boom');
  });
  // Act
  const result = await bus.publish([push]);
  await bus.drain();
  // Assess
  assert.equal(result.failed.length, 0);
  assert.equal(errors.length, 1);
});

test('the in-process bus refuses an invalid event like the EventBridge publisher does', async () => {
  // Prepare
  const bus = new InProcessBus();
  const bad = { ...push, detail: { ...push.detail, revision: 'nope' } };
  // Act
  const result = await bus.publish([bad]);
  // Assess
  assert.equal(result.published, 0);
  assert.match(result.failed[0]?.reason ?? '', /revision/);
});

test('unsubscribing stops deliveries', async () => {
  // Prepare
  const bus = new InProcessBus();
  let count = 0;
  const unsubscribe = bus.subscribe(patternFor('GitPushReceived'), () => void (count += 1));
  // Act
  unsubscribe();
  await bus.publish([push]);
  await bus.drain();
  // Assess
  assert.equal(count, 0);
});

test('the local secret store reads a YAML file and serves mappings as JSON', async (t) => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'secrets.yaml');
  writeFileSync(file, 'flux-system/webhook-token: s3cr3t\nflux-system/other:\n  token: t2\n');
  const store = new LocalSecretStore({ file });
  // Act
  const token = await store.getSecret('flux-system/webhook-token');
  const mapping = await store.getSecret('flux-system/other');
  // Assess
  assert.equal(token, 's3cr3t');
  assert.deepEqual(JSON.parse(mapping), { token: 't2' });
});

test('a fresh read of the local secret store sees a changed file', async (t) => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'secrets.json');
  writeFileSync(file, JSON.stringify({ a: 'one' }));
  const store = new LocalSecretStore({ file });
  await store.getSecret('a');
  writeFileSync(file, JSON.stringify({ a: 'two' }));
  // Act
  const cached = await store.getSecret('a');
  const fresh = await store.getSecret('a', { fresh: true });
  // Assess
  assert.equal(cached, 'one');
  assert.equal(fresh, 'two');
});

test('an environment variable overrides the file', async () => {
  // Prepare
  const store = new LocalSecretStore({
    env: { [secretEnvVariable('flux-system/webhook-token')]: 'from-env' },
    values: { 'flux-system/webhook-token': 'given' },
  });
  // Act
  const value = await store.getSecret('flux-system/webhook-token');
  // Assess
  assert.equal(secretEnvVariable('flux-system/webhook-token'), 'TIDELINE_SECRET_FLUX_SYSTEM_WEBHOOK_TOKEN');
  assert.equal(value, 'from-env');
});

test('a missing secret is NotFoundError naming where it looked, without any value', async () => {
  // Prepare
  const store = new LocalSecretStore({ values: { present: 'hunter2' } });
  // Act
  const reading = store.getSecret('absent');
  // Assess
  await assert.rejects(reading, (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /TIDELINE_SECRET_ABSENT/);
    assert.equal(error.message.includes('hunter2'), false);
    return true;
  });
});
