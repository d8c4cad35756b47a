/**
 * Slack delivery against a real local HTTP server answering like Slack's incoming webhooks and
 * Web API: what is sent, how many times, and when (by the injected clock).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '#shared/errors/index.ts';
import { parseProvider } from '#shared/config/provider.ts';
import { DeliveryRejectedError, type RetryPolicy } from '#shared/alerts/delivery.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import type { ResolvedProvider } from '#shared/alerts/provider-secrets.ts';
import { postSlackMessage } from '#shared/alerts/slack.ts';
import { blockKitViolations, formatSlackMessage, type SlackMessage } from '#shared/alerts/slack-format.ts';
import { ManualClock, sampleEvents } from '#test/unit/alerts/fixtures.ts';
import { FakeProviderServer, slackReplies } from './fake-provider-server.ts';

const RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
const message = formatSlackMessage(toNotification(sampleEvents().ReconcileFailed));

let server: FakeProviderServer;
before(async () => {
  server = await new FakeProviderServer().start();
});
after(() => server.close());

let pathCounter = 0;
/** A webhook Provider on a fresh path of the fake server. */
function webhook(timeout = '2s'): { resolved: ResolvedProvider; path: string } {
  const path = `/services/T0/B0/hook${++pathCounter}`;
  const provider = parseProvider({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'slack', namespace: 'flux-system' },
    spec: { type: 'slack', channel: 'deploys', timeout },
  });
  return { resolved: { provider, id: 'flux-system/slack', address: `${server.baseUrl}${path}`, secretValues: [] }, path };
}

function bot(): { resolved: ResolvedProvider; path: string } {
  const path = `/api/chat.postMessage/${++pathCounter}`;
  const provider = parseProvider({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'slack-bot', namespace: 'flux-system' },
    spec: { type: 'slack', channel: 'C0DEPLOYS', username: 'tideline' },
  });
  return { resolved: { provider, id: 'flux-system/slack-bot', address: `${server.baseUrl}${path}`, token: 'xoxb-test-token-1234', secretValues: [] }, path };
}

function sentMessage(path: string, index = 0): SlackMessage & Record<string, unknown> {
  const json = server.requestsTo(path)[index]?.json;
  assert.ok(json && typeof json === 'object', 'a JSON body was sent');
  return json as SlackMessage & Record<string, unknown>;
}

describe('Slack incoming webhook', () => {
  it('posts the Block Kit message once on 200 ok, within Block Kit limits', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookOk());
    const clock = new ManualClock();

    // Act
    const result = await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 1);
    assert.equal(server.requestsTo(path).length, 1);
    const sent = sentMessage(path);
    assert.deepEqual(blockKitViolations(sent), []);
    assert.equal(sent.text, message.text);
    assert.equal(sent.channel, 'deploys');
    assert.equal(server.requestsTo(path)[0]?.headers.authorization, undefined);
    assert.deepEqual(clock.sleeps, []);
  });

  it('waits the Retry-After of a 429, then sends again', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.rateLimited(7), slackReplies.webhookOk());
    const clock = new ManualClock();

    // Act
    const result = await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 2);
    assert.equal(server.requestsTo(path).length, 2);
    assert.deepEqual(clock.sleeps, [7000]);
  });

  it('leaves the event for redelivery when Retry-After is beyond what a function should wait', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.rateLimited(600));
    const clock = new ManualClock();

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock, retry: RETRY }), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.equal(error.retryAfterMs, 600_000);
      return true;
    });
    assert.equal(server.requestsTo(path).length, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('does not retry 400 invalid_blocks and reports the reason', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookError(400, 'invalid_blocks'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), (error: unknown) => {
      assert.ok(error instanceof DeliveryRejectedError);
      assert.equal(error.reason, 'invalid_blocks');
      assert.equal(error.status, 400);
      assert.match(error.message, /^Provider flux-system\/slack: delivery rejected \(invalid_blocks, HTTP 400\)/);
      return true;
    });
    assert.equal(server.requestsTo(path).length, 1);
  });

  it('does not retry 404 channel_not_found', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookError(404, 'channel_not_found'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), { reason: 'channel_not_found', status: 404 });
    assert.equal(server.requestsTo(path).length, 1);
  });

  it('does not retry 404 no_service (a revoked webhook)', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookError(404, 'no_service'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), { reason: 'no_service' });
    assert.equal(server.requestsTo(path).length, 1);
  });

  it('retries a 500 after the backoff delay and succeeds', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookError(500, 'rollup_error'), slackReplies.webhookOk());
    const clock = new ManualClock();

    // Act
    const result = await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 2);
    assert.equal(server.requestsTo(path).length, 2);
    assert.deepEqual(clock.sleeps, [1000]);
    assert.deepEqual(sentMessage(path, 1), sentMessage(path, 0));
  });

  it('gives up on a server that keeps failing after the bounded attempts, backing off exponentially', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.setDefault(path, slackReplies.webhookError(503, 'service_unavailable'));
    const clock = new ManualClock();

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock, retry: RETRY }), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /gave up after 4 attempts \(last: service_unavailable\)/);
      return true;
    });
    assert.equal(server.requestsTo(path).length, 4);
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000]);
  });

  it('times out a slow response and retries it', async () => {
    // Prepare
    const { resolved, path } = webhook('200ms');
    server.script(path, { ...slackReplies.webhookOk(), delayMs: 3000 }, slackReplies.webhookOk());
    const clock = new ManualClock();
    const started = performance.now();

    // Act
    const result = await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 2);
    assert.equal(server.requestsTo(path).length, 2);
    assert.deepEqual(clock.sleeps, [1000]);
    assert.ok(performance.now() - started < 2500, 'the slow answer was not waited for');
  });

  it('does not follow a redirect', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, { status: 301, headers: { location: `${server.baseUrl}/elsewhere` } });

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), { reason: 'http_301', status: 301 });
    assert.equal(server.requestsTo('/elsewhere').length, 0);
  });

  it('retries a refused connection and gives up after the bounded attempts', async () => {
    // Prepare
    const { resolved } = webhook();
    const closed = new FakeProviderServer();
    await closed.start();
    const address = `${closed.baseUrl}/services/T0/B0/gone`;
    await closed.close();
    const clock = new ManualClock();

    // Act and assess
    await assert.rejects(postSlackMessage({ ...resolved, address }, message, { clock, retry: RETRY }), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /gave up after 4 attempts \(last: network error/);
      return true;
    });
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000]);
  });

  it('never puts the webhook URL in an error', async () => {
    // Prepare
    const { resolved, path } = webhook();
    server.script(path, slackReplies.webhookError(403, 'action_prohibited'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), (error: unknown) => {
      assert.equal((error as Error).message.includes(path), false);
      return true;
    });
  });
});

describe('Slack Web API (bot token)', () => {
  it('posts to the channel with the bot token and returns the message ts', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.apiOk('1700000000.000100'));

    // Act
    const result = await postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY });

    // Assess
    assert.equal(result.ts, '1700000000.000100');
    const request = server.requestsTo(path)[0];
    assert.equal(request?.headers.authorization, 'Bearer xoxb-test-token-1234');
    const sent = sentMessage(path);
    assert.equal(sent.channel, 'C0DEPLOYS');
    assert.equal(sent.username, 'tideline');
    assert.equal(sent.thread_ts, undefined);
    assert.deepEqual(blockKitViolations(sent), []);
  });

  it('replies in the given thread', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.apiOk('1700000000.000200'));

    // Act
    await postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY, threadTs: '1700000000.000100' });

    // Assess
    assert.equal(sentMessage(path).thread_ts, '1700000000.000100');
  });

  it('does not retry ok:false channel_not_found', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.apiError('channel_not_found'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), { reason: 'channel_not_found', status: 200 });
    assert.equal(server.requestsTo(path).length, 1);
  });

  it('does not retry ok:false invalid_blocks', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.apiError('invalid_blocks'));

    // Act and assess
    await assert.rejects(postSlackMessage(resolved, message, { clock: new ManualClock(), retry: RETRY }), { reason: 'invalid_blocks' });
    assert.equal(server.requestsTo(path).length, 1);
  });

  it('retries ok:false internal_error', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.apiError('internal_error'), slackReplies.apiOk('1.2'));
    const clock = new ManualClock();

    // Act
    const result = await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 2);
    assert.deepEqual(clock.sleeps, [1000]);
  });

  it('honours a 429 Retry-After from the Web API', async () => {
    // Prepare
    const { resolved, path } = bot();
    server.script(path, slackReplies.rateLimited(3), slackReplies.apiOk('1.3'));
    const clock = new ManualClock();

    // Act
    await postSlackMessage(resolved, message, { clock, retry: RETRY });

    // Assess
    assert.deepEqual(clock.sleeps, [3000]);
    assert.equal(server.requestsTo(path).length, 2);
  });
});
