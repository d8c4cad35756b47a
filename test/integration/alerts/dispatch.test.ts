/**
 * The alerts engine end to end: Flux Alert/Provider objects, secrets from the local secret store,
 * dedup in the memory TTL store, and delivery to a real local HTTP server playing Slack, GitHub and
 * a generic webhook receiver.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { makeEvent, type CatalogEvent } from '#shared/events/catalog.ts';
import { TransientError } from '#shared/errors/index.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { buildAlertingConfig, parseYamlDocuments } from '#shared/alerts/config.ts';
import { DEDUP_WINDOW_MS } from '#shared/alerts/dedup.ts';
import { AlertDispatchError, dispatchOrThrow, type AlertDeps, type DispatchReport } from '#shared/alerts/dispatch.ts';
import { blockKitViolations, type SlackMessage } from '#shared/alerts/slack-format.ts';
import { MemoryThreadStore } from '#shared/adapters/local/memory-thread-store.ts';
import { alertYaml, changeSet, ManualClock, sampleEvents, SHA } from '#test/unit/alerts/fixtures.ts';
import { FakeProviderServer, slackReplies } from './fake-provider-server.ts';

const events = sampleEvents();
const HMAC_KEY = 'generic-hmac-key-5b7c9d';
const BOT_TOKEN = 'xoxb-111-222-seededBotToken';
const GITHUB_TOKEN = 'seeded-github-token-4e5f6a';

let server: FakeProviderServer;
before(async () => {
  server = await new FakeProviderServer().start();
});
after(() => server.close());

let fleetCounter = 0;

/** A fleet's alerting objects, with fresh server paths so tests do not see each other's requests. */
function fleet(options: { slackSuspended?: boolean } = {}) {
  const n = ++fleetCounter;
  const paths = {
    slack: `/services/T0/B0/hook-${n}-secretpart`,
    bot: `/api/chat.postMessage/${n}`,
    generic: `/events/${n}`,
    github: `/api/v3/repos/acme/fleet-${n}/statuses/${SHA}`,
  };
  const yaml = `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: slack, namespace: flux-system }
spec: { type: slack, channel: deploys, secretRef: { name: slack-webhook }, suspend: ${options.slackSuspended ?? false} }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: slack-bot, namespace: flux-system }
spec: { type: slack, channel: C0DEPLOYS, address: "${server.baseUrl}${paths.bot}", secretRef: { name: slack-bot } }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: webhook, namespace: flux-system }
spec: { type: generic-hmac, address: "${server.baseUrl}${paths.generic}", secretRef: { name: webhook-hmac } }
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: github, namespace: flux-system }
spec: { type: github, address: "${server.baseUrl}/acme/fleet-${n}", secretRef: { name: github-token } }
---
${alertYaml('slack-all', 'slack', { after: ['eventMetadata: { env: production }'] })}---
${alertYaml('bot-threads', 'slack-bot', { source: 'apps', after: ["inclusionList: ['.*']", "exclusionList: ['^never$']"] })}---
${alertYaml('webhook-errors', 'webhook', { before: ['eventSeverity: error'], after: ['summary: prod EU'] })}---
${alertYaml('commit-status', 'github')}`;
  const config = buildAlertingConfig(parseYamlDocuments(yaml, 'clusters/prod-eu/notifications.yaml'));
  const slackWebhookUrl = `${server.baseUrl}${paths.slack}`;
  const secrets = new LocalSecretStore({
    values: {
      'flux-system/slack-webhook': slackWebhookUrl,
      'flux-system/slack-bot': JSON.stringify({ token: BOT_TOKEN }),
      'flux-system/webhook-hmac': JSON.stringify({ token: HMAC_KEY }),
      'flux-system/github-token': JSON.stringify({ token: GITHUB_TOKEN }),
    },
  });
  const clock = new ManualClock();
  const deps: AlertDeps = {
    config,
    secrets,
    dedup: new MemoryTtlStore(clock),
    threads: new MemoryThreadStore(clock),
    clock,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 },
  };
  server.setDefault(paths.bot, slackReplies.apiOk(`17000000${n}.000100`));
  server.setDefault(paths.github, { status: 201, body: {} });
  return { paths, deps, clock, slackWebhookUrl };
}

function outcomes(report: DispatchReport): Record<string, string> {
  return Object.fromEntries(report.deliveries.map((d) => [d.alert, d.outcome]));
}

describe('dispatching an event', () => {
  it('a failure reaches every matching Alert once: Slack, the bot thread, the HMAC-signed webhook, the commit status', async () => {
    // Prepare
    const { paths, deps } = fleet();

    // Act
    const report = await dispatchOrThrow(events.ReconcileFailed, deps);

    // Assess
    assert.deepEqual(outcomes(report), {
      'flux-system/slack-all': 'sent',
      'flux-system/bot-threads': 'sent',
      'flux-system/webhook-errors': 'sent',
      'flux-system/commit-status': 'sent',
    });
    for (const path of Object.values(paths)) assert.equal(server.requestsTo(path).length, 1, path);
    const slack = server.requestsTo(paths.slack)[0]?.json as SlackMessage;
    assert.deepEqual(blockKitViolations(slack), []);
    assert.ok(JSON.stringify(slack.blocks).includes('*env:* production'));
    const github = server.requestsTo(paths.github)[0]?.json as { state: string; context: string };
    assert.equal(github.state, 'failure');
    assert.equal(github.context, 'kustomization/apps/prod-eu');
  });

  it('the generic webhook gets the Flux event JSON signed with the HMAC key', async () => {
    // Prepare
    const { paths, deps } = fleet();

    // Act
    await dispatchOrThrow(events.HealthCheckFailed, deps);

    // Assess
    const request = server.requestsTo(paths.generic)[0];
    assert.ok(request);
    const expected = `sha256=${createHmac('sha256', HMAC_KEY).update(request.body).digest('hex')}`;
    assert.equal(request.headers['x-signature'], expected);
    assert.equal(request.headers['gotk-component'], 'tideline');
    const event = request.json as Record<string, unknown>;
    assert.deepEqual(event.involvedObject, { kind: 'Kustomization', namespace: 'flux-system', name: 'apps', apiVersion: 'kustomize.toolkit.fluxcd.io/v1' });
    assert.equal(event.severity, 'error');
    assert.equal(event.reason, 'HealthCheckFailed');
    assert.deepEqual(event.metadata, { summary: 'prod EU', cluster: 'prod-eu', revision: `main@sha1:${SHA}` });
  });

  it('an info event skips the error-only Alert', async () => {
    // Prepare
    const { paths, deps } = fleet();

    // Act
    const report = await dispatchOrThrow(events.ReconcileSucceeded, deps);

    // Assess
    assert.equal(outcomes(report)['flux-system/webhook-errors'], undefined);
    assert.equal(server.requestsTo(paths.generic).length, 0);
    assert.equal((server.requestsTo(paths.github)[0]?.json as { state: string }).state, 'success');
  });

  it('a cluster-wide event sets no commit status', async () => {
    // Prepare
    const { paths, deps } = fleet();

    // Act
    const report = await dispatchOrThrow(events.ClusterUnreachable, deps);

    // Assess
    assert.equal(outcomes(report)['flux-system/commit-status'], 'skipped');
    assert.equal(server.requestsTo(paths.github).length, 0);
    assert.equal(server.requestsTo(paths.slack).length, 1);
  });

  it('a suspended Provider sends nothing', async () => {
    // Prepare
    const { paths, deps } = fleet({ slackSuspended: true });

    // Act
    const report = await dispatchOrThrow(events.ReconcileFailed, deps);

    // Assess
    assert.equal(outcomes(report)['flux-system/slack-all'], 'skipped');
    assert.equal(server.requestsTo(paths.slack).length, 0);
  });

  it('events that raise no alert are ignored', async () => {
    // Prepare
    const { deps } = fleet();
    const rendered = makeEvent('ManifestsRendered', {
      ...events.ReconcileSucceeded.detail,
      artifact: { key: 'k', digest: `sha256:${'b'.repeat(64)}`, size: 1 },
      objectCount: 1,
    });

    // Act
    const report = await dispatchOrThrow(rendered as CatalogEvent, deps);

    // Assess
    assert.deepEqual(report.deliveries, []);
  });
});

describe('dedup', () => {
  it('the same event within five minutes is sent once, and again after the window', async () => {
    // Prepare
    const { paths, deps, clock } = fleet();

    // Act
    await dispatchOrThrow(events.ReconcileFailed, deps);
    clock.advance(DEDUP_WINDOW_MS - 1000);
    const second = await dispatchOrThrow(makeEvent('ReconcileFailed', { ...events.ReconcileFailed.detail, eventId: 'evt-redelivered' }), deps);
    clock.advance(1000);
    await dispatchOrThrow(events.ReconcileFailed, deps);

    // Assess
    assert.equal(outcomes(second)['flux-system/slack-all'], 'duplicate');
    assert.equal(server.requestsTo(paths.slack).length, 2);
  });

  it('a commit status is set once a day per revision and state, and again when the state changes', async () => {
    // Prepare
    const { paths, deps, clock } = fleet();

    // Act
    await dispatchOrThrow(events.ReconcileFailed, deps);
    clock.advance(DEDUP_WINDOW_MS);
    await dispatchOrThrow(events.ReconcileFailed, deps);
    await dispatchOrThrow(events.ReconcileSucceeded, deps);

    // Assess
    const states = server.requestsTo(paths.github).map((r) => (r.json as { state: string }).state);
    assert.deepEqual(states, ['failure', 'success']);
  });

  it('a reconcile that changed nothing sends no chat message but sets the commit status', async () => {
    // Prepare
    const { paths, deps } = fleet();
    const quiet = makeEvent('ReconcileSucceeded', { ...events.ReconcileSucceeded.detail, changeSet: changeSet(0, 0, 40) });

    // Act
    const report = await dispatchOrThrow(quiet, deps);

    // Assess
    assert.equal(outcomes(report)['flux-system/slack-all'], 'skipped');
    assert.equal(server.requestsTo(paths.slack).length, 0);
    assert.equal(server.requestsTo(paths.github).length, 1);
  });

  it('a failed delivery is retried by a redelivery, without repeating the Alerts that succeeded', async () => {
    // Prepare
    const { paths, deps } = fleet();
    server.script(paths.slack, ...Array.from({ length: 3 }, () => slackReplies.webhookError(500, 'rollup_error')));

    // Act
    await assert.rejects(dispatchOrThrow(events.ReconcileFailed, deps), TransientError);
    const redelivery = await dispatchOrThrow(events.ReconcileFailed, deps);

    // Assess
    assert.equal(outcomes(redelivery)['flux-system/slack-all'], 'sent');
    assert.equal(outcomes(redelivery)['flux-system/webhook-errors'], 'duplicate');
    assert.equal(server.requestsTo(paths.slack).length, 4);
    assert.equal(server.requestsTo(paths.generic).length, 1);
  });

  it('a final refusal fails the event with the reason, for the DLQ', async () => {
    // Prepare
    const { paths, deps } = fleet();
    server.script(paths.slack, slackReplies.webhookError(404, 'channel_not_found'));

    // Act and assess
    await assert.rejects(dispatchOrThrow(events.RenderFailed, deps), (error: unknown) => {
      assert.ok(error instanceof AlertDispatchError);
      assert.equal(error.failures.length, 1);
      assert.match(error.message, /flux-system\/slack-all: Provider flux-system\/slack: delivery rejected \(channel_not_found, HTTP 404\)/);
      return true;
    });
    assert.equal(server.requestsTo(paths.slack).length, 1);
  });
});

describe('Slack threads with a bot token', () => {
  it('messages about the same revision go in the thread of the first one', async () => {
    // Prepare
    const { paths, deps, clock } = fleet();

    // Act
    await dispatchOrThrow(events.ReconcileFailed, deps);
    clock.advance(60_000);
    await dispatchOrThrow(events.HealthCheckFailed, deps);
    await dispatchOrThrow(makeEvent('ReconcileSucceeded', { ...events.ReconcileSucceeded.detail, revision: `main@sha1:${'c'.repeat(40)}` }), deps);

    // Assess
    const sent = server.requestsTo(paths.bot).map((r) => r.json as { thread_ts?: string });
    assert.equal(sent.length, 3);
    assert.equal(sent[0]?.thread_ts, undefined);
    assert.equal(sent[1]?.thread_ts, `17000000${fleetCounter}.000100`);
    assert.equal(sent[2]?.thread_ts, undefined, 'another revision starts its own thread');
  });
});

describe('robustness', () => {
  it('a failing thread store neither blocks nor repeats a message', async () => {
    // Prepare
    const { paths, deps } = fleet();
    const broken = { get: () => Promise.reject(new Error('table gone')), putIfAbsent: () => Promise.reject(new Error('table gone')) };

    // Act
    const report = await dispatchOrThrow(events.ReconcileFailed, { ...deps, threads: broken });

    // Assess
    assert.equal(outcomes(report)['flux-system/bot-threads'], 'sent');
    assert.equal(server.requestsTo(paths.bot).length, 1);
  });

  it('every outcome is logged with the correlation id, duplicates included', async () => {
    // Prepare
    const { deps } = fleet();
    const entries: Record<string, unknown>[] = [];
    const record = (message: string, ...attributes: Record<string, unknown>[]): void => void entries.push({ message, ...Object.assign({}, ...attributes) });
    const logged = { ...deps, logger: { debug: record, info: record, warn: record, error: record } };

    // Act
    await dispatchOrThrow(events.ReconcileFailed, logged);
    await dispatchOrThrow(events.ReconcileFailed, logged);

    // Assess
    assert.equal(entries.length, 8);
    assert.deepEqual(
      entries.slice(4).map((e) => e.outcome),
      ['duplicate', 'duplicate', 'duplicate', 'duplicate'],
    );
    assert.ok(entries.every((e) => e.correlationId === 'delivery-7f3a'));
  });
});

describe('secrets never reach a message', () => {
  it('seeded secret values inside error texts and drift details are redacted from every request body', async () => {
    // Prepare
    const { deps, slackWebhookUrl } = fleet();
    const seeded = [slackWebhookUrl, BOT_TOKEN, HMAC_KEY, GITHUB_TOKEN];
    const failing = makeEvent('ReconcileFailed', {
      ...events.ReconcileFailed.detail,
      message: `POST ${slackWebhookUrl} failed; token ${BOT_TOKEN}; hmac ${HMAC_KEY}`,
      errors: [{ message: `Secret shop/git data.token: "${GITHUB_TOKEN}" -> "AKIAIOSFODNN7EXAMPLE"` }],
    });
    const drift = makeEvent('DriftDetected', {
      ...events.DriftDetected.detail,
      drifted: [{ object: { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: `leak-${GITHUB_TOKEN}` }, change: 'Modified' }],
    });
    const before = server.requests.length;

    // Act
    await dispatchOrThrow(failing, deps);
    await dispatchOrThrow(drift, deps);

    // Assess
    const bodies = server.requests.slice(before).map((r) => r.body);
    assert.ok(bodies.length >= 6);
    for (const body of bodies) {
      for (const secret of seeded) assert.equal(body.includes(secret), false, `a secret leaked into ${body.slice(0, 200)}`);
      assert.equal(body.includes('AKIAIOSFODNN7EXAMPLE'), false);
      assert.equal(body.includes('hook-'), false, 'the webhook path is secret too');
    }
  });
});
