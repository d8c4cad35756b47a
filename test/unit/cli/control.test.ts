// `tideline reconcile|suspend|resume` end to end in one process: the CLI posts to a real HTTP
// server running the control endpoint in front of an InProcessBus, whose subscriber stands in
// for the pipeline and writes the status record the CLI waits for.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { handleControlRequest } from '#shared/adapters/local/control-endpoint.ts';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { InProcessBus } from '#shared/adapters/local/in-process-bus.ts';
import { registerReconcile, registerResume, registerSuspend } from '#shared/cli/commands/control.ts';
import { patternFor, type EventDetail } from '#shared/events/catalog.ts';
import type { KustomizationKey, KustomizationStatusUpdate } from '#shared/ports/index.ts';
import { captureIo, dataDir, runVerbs } from './helpers.ts';

const apps: KustomizationKey = { cluster: 'dev', namespace: 'flux-system', name: 'apps' };
const revision = `main@sha1:${'d'.repeat(40)}`;
const TOKEN = 'test-token-0123456789';

type Pipeline = (detail: EventDetail<'ReconcileRequested'>, store: FileStatusStore) => Promise<void>;

/** A local mode stand-in: the data dir with dev.json, the status file, the HTTP control endpoint and the bus. */
async function localMode(
  t: TestContext,
  pipeline: Pipeline,
  token = TOKEN,
): Promise<{ dir: string; store: FileStatusStore; requests: EventDetail<'ReconcileRequested'>[] }> {
  const dir = await dataDir(t);
  const store = new FileStatusStore(join(dir, 'status.json'));
  await store.updateKustomization(apps, {
    lastAppliedRevision: `main@sha1:${'c'.repeat(40)}`,
    lastAttemptedAt: '2026-01-01T00:00:00.000Z',
    lastAppliedAt: '2026-01-01T00:00:00.000Z',
    ready: { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: old', since: '2026-01-01T00:00:00.000Z' },
  });
  const requests: EventDetail<'ReconcileRequested'>[] = [];
  const bus = new InProcessBus();
  bus.subscribe(patternFor('ReconcileRequested'), async (envelope) => {
    const detail = envelope.detail as EventDetail<'ReconcileRequested'>;
    requests.push(detail);
    await pipeline(detail, store);
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void handleControlRequest(
        { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks) },
        { bus, token },
      ).then((answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(answer.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await bus.drain();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  await writeFile(join(dir, 'dev.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, token: TOKEN, pid: process.pid }));
  return { dir, store, requests };
}

function now(): string {
  return new Date().toISOString();
}

const applies: Pipeline = async (detail, store) => {
  const at = now();
  const update: KustomizationStatusUpdate = {
    lastAttemptedRevision: revision,
    lastAppliedRevision: revision,
    lastAttemptedAt: at,
    lastAppliedAt: at,
    ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${revision}`, since: at },
  };
  await store.updateKustomization({ cluster: detail.cluster ?? 'dev', namespace: detail.object.namespace, name: detail.object.name }, update);
};

test('reconcile kustomization publishes ReconcileRequested, waits for the new apply and exits 0', async (t) => {
  // Prepare
  const local = await localMode(t, applies);
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps'], io);
  // Assess
  assert.equal(code, 0, io.err.join(''));
  assert.deepEqual(io.err, [
    '► annotating Kustomization apps in flux-system namespace\n',
    '✔ Kustomization annotated\n',
    '◎ waiting for Kustomization reconciliation\n',
    `✔ applied revision ${revision}\n`,
  ]);
  assert.deepEqual(
    local.requests.map((r) => [r.object, r.cluster, r.withSource]),
    [[{ kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }, 'dev', false]],
  );
});

test('reconcile of a Kustomization whose attempt fails prints the Ready message and exits 1', async (t) => {
  // Prepare
  const local = await localMode(t, async (_detail, store) => {
    // A render success that does not settle Ready must not end the wait; the failed apply does.
    await store.updateKustomization(apps, { lastAttemptedAt: now(), lastAttemptedRevision: revision });
    await store.updateKustomization(apps, {
      lastAttemptedAt: now(),
      ready: { status: 'False', reason: 'ReconciliationFailed', message: 'Deployment/shop/web: field is immutable', since: now() },
    });
  });
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'ks', 'apps', '--cluster', 'dev'], io);
  // Assess
  assert.equal(code, 1);
  assert.equal(io.err.at(-1), '✗ Deployment/shop/web: field is immutable\n');
});

test('reconcile with a token the endpoint does not know is refused with 401 and exits 2', async (t) => {
  // Prepare
  const local = await localMode(t, applies, 'another-token');
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps'], io);
  // Assess
  assert.equal(code, 2);
  assert.match(io.err.at(-1) ?? '', /^✗ control endpoint http:\/\/127\.0\.0\.1:\d+\/control\/events: token refused \(401\)/);
  assert.equal(local.requests.length, 0);
});

test('reconcile that sees no attempt before --timeout exits 2 saying it timed out', async (t) => {
  // Prepare
  const local = await localMode(t, async () => {});
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps', '--timeout', '300ms'], io);
  // Assess
  assert.equal(code, 2);
  assert.equal(io.err.at(-1), '✗ timed out after 300ms waiting for Kustomization apps reconciliation\n');
});

test('reconcile of a suspended Kustomization is refused before anything is requested', async (t) => {
  // Prepare
  const local = await localMode(t, applies);
  await local.store.updateKustomization(apps, { suspended: true });
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps'], io);
  // Assess
  assert.equal(code, 2);
  assert.match(io.err.join(''), /is suspended: resume it first/);
  assert.equal(local.requests.length, 0);
});

test('suspend sets suspended in the status store; resume clears it, reconciles and waits', async (t) => {
  // Prepare
  const local = await localMode(t, applies);
  const suspendIo = captureIo({ TIDELINE_DATA_DIR: local.dir });
  const resumeIo = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const suspended = await runVerbs([registerSuspend], ['suspend', 'kustomization', 'apps'], suspendIo);
  const whileSuspended = (await local.store.getKustomization(apps))?.suspended;
  const resumed = await runVerbs([registerResume], ['resume', 'kustomization', 'apps'], resumeIo);
  // Assess
  assert.deepEqual([suspended, whileSuspended, resumed], [0, true, 0]);
  assert.equal((await local.store.getKustomization(apps))?.suspended, false);
  assert.deepEqual(resumeIo.err.slice(-2), ['✔ Kustomization apps reconciliation completed\n', `✔ applied revision ${revision}\n`]);
  assert.equal(local.requests.length, 1);
});

test('reconcile --with-source waits for the source, then the Kustomization', async (t) => {
  // Prepare
  const source = { kind: 'GitRepository' as const, cluster: 'dev', namespace: 'flux-system', name: 'fleet' };
  const local = await localMode(t, async (detail, store) => {
    await store.updateSource(source, { revision, ready: { status: 'True', reason: 'Succeeded', message: 'fetched', since: now() } });
    await applies(detail, store);
  });
  await local.store.updateKustomization(apps, { source });
  await local.store.updateSource(source, {
    url: 'http://127.0.0.1/fleet.git',
    ref: 'branch main',
    ready: { status: 'True', reason: 'Succeeded', message: 'old', since: '2026-01-01T00:00:00.000Z' },
  });
  const io = captureIo({ TIDELINE_DATA_DIR: local.dir });
  // Act
  const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps', '--with-source'], io);
  // Assess
  assert.equal(code, 0, io.err.join(''));
  assert.deepEqual(
    io.err.filter((line) => line.startsWith('✔')),
    ['✔ GitRepository annotated\n', '✔ Kustomization annotated\n', `✔ fetched revision ${revision}\n`, `✔ applied revision ${revision}\n`],
  );
  assert.equal(local.requests[0]?.withSource, true);
});
