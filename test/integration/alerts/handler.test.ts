/**
 * The alerts Lambda handler, loaded as Lambda would (environment first), fed SQS batches and a
 * bare EventBridge event, delivering to a real local HTTP server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidInputError } from '#shared/errors/index.ts';
import { sampleEvents } from '#test/unit/alerts/fixtures.ts';
import { FakeProviderServer, slackReplies } from './fake-provider-server.ts';

const events = sampleEvents();
const envelope = (event: { detailType: string; source: string; detail: unknown }) => ({
  version: '0',
  id: 'eb-1',
  'detail-type': event.detailType,
  source: event.source,
  account: '000000000000',
  time: '2026-03-14T09:26:53Z',
  region: 'eu-west-1',
  resources: [],
  detail: event.detail,
});
const record = (messageId: string, body: string) => ({ messageId, body }) as SQSRecord;

let server: FakeProviderServer;
let root: string;
let handler: (input: unknown) => Promise<unknown>;
const HOOK = '/services/T1/B1/handler-hook';

before(async () => {
  server = await new FakeProviderServer().start();
  root = await mkdtemp(path.join(tmpdir(), 'tideline-alerts-handler-'));
  await mkdir(path.join(root, 'clusters/prod-eu'), { recursive: true });
  await writeFile(
    path.join(root, 'clusters/prod-eu/alerts.yaml'),
    `apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: slack, namespace: flux-system }
spec: { type: slack, secretRef: { name: slack-url } }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: { name: all, namespace: flux-system }
spec: { providerRef: { name: slack }, eventSources: [{ kind: Kustomization, name: '*' }] }
`,
  );
  await writeFile(path.join(root, 'secrets.json'), JSON.stringify({ 'flux-system/slack-url': `${server.baseUrl}${HOOK}` }));
  process.env.TIDELINE_ALERTS_CONFIG_DIR = root;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.TIDELINE_SECRETS_FILE = path.join(root, 'secrets.json');
  server.setDefault(HOOK, slackReplies.webhookOk());
  ({ handler } = (await import('#functions/alerts/handler.ts')) as { handler: typeof handler });
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('alerts handler', () => {
  it('delivers each SQS record and reports only the bad ones as batch item failures', async () => {
    // Prepare
    const before = server.requestsTo(HOOK).length;
    const batch = {
      Records: [
        record('m-1', JSON.stringify(envelope(events.ReconcileFailed))),
        record('m-2', '{"detail-type":"ReconcileFailed","source":"tideline.apply","detail":{}}'),
        record('m-3', JSON.stringify(envelope(events.DriftDetected))),
      ],
    } as SQSEvent;

    // Act
    const response = await handler(batch);

    // Assess
    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    assert.equal(server.requestsTo(HOOK).length - before, 2);
  });

  it('a delivery refused by Slack fails its record', async () => {
    // Prepare
    server.script(HOOK, slackReplies.webhookError(404, 'channel_not_found'));

    // Act
    const response = await handler({ Records: [record('m-9', JSON.stringify(envelope(events.RenderFailed)))] } as SQSEvent);

    // Assess
    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'm-9' }] });
  });

  it('accepts a bare EventBridge event', async () => {
    // Prepare
    const before = server.requestsTo(HOOK).length;

    // Act
    await handler(envelope(events.ClusterUnreachable));

    // Assess
    assert.equal(server.requestsTo(HOOK).length - before, 1);
  });

  it('rejects a bare event that is not in the catalog', async () => {
    // Act and assess
    await assert.rejects(handler({ 'detail-type': 'Nope', source: 'x', detail: {} }), InvalidInputError);
  });
});
