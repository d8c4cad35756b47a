import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { parseProvider } from '#shared/config/provider.ts';
import { providerSecretName, resolveProvider, usesSlackWebApi } from '#shared/alerts/provider-secrets.ts';

const provider = (spec: Record<string, unknown>) =>
  parseProvider({ apiVersion: 'notification.toolkit.fluxcd.io/v1beta3', kind: 'Provider', metadata: { name: 'p', namespace: 'team-a' }, spec });
const store = (values: Record<string, string>) => new LocalSecretStore({ values });

describe('Provider secrets', () => {
  it('are read as <namespace>/<secretRef.name>', () => {
    // Act and assess
    assert.equal(providerSecretName(provider({ type: 'slack', secretRef: { name: 'hook' } })), 'team-a/hook');
  });

  it('a JSON secret gives address and token; its address overrides spec.address', async () => {
    // Prepare
    const resolved = await resolveProvider(
      provider({ type: 'generic-hmac', address: 'https://spec.example/hook', secretRef: { name: 's' } }),
      store({ 'team-a/s': JSON.stringify({ address: 'https://secret.example/hook', token: 'hmac-key-123' }) }),
    );

    // Act and assess
    assert.equal(resolved.address, 'https://secret.example/hook');
    assert.equal(resolved.token, 'hmac-key-123');
    assert.deepEqual(resolved.secretValues.sort(), ['hmac-key-123', 'https://secret.example/hook']);
  });

  it('a bare URL secret is the address, any other bare value the token', async () => {
    // Prepare
    const hook = await resolveProvider(provider({ type: 'slack', secretRef: { name: 's' } }), store({ 'team-a/s': 'https://hooks.slack.com/services/T/B/X' }));
    const bot = await resolveProvider(provider({ type: 'slack', channel: 'C1', secretRef: { name: 's' } }), store({ 'team-a/s': 'xoxb-1-2-3' }));

    // Act and assess
    assert.equal(hook.address, 'https://hooks.slack.com/services/T/B/X');
    assert.equal(bot.token, 'xoxb-1-2-3');
  });

  it('a bot token without a channel is refused naming the Provider', async () => {
    // Act and assess
    await assert.rejects(resolveProvider(provider({ type: 'slack', secretRef: { name: 's' } }), store({ 'team-a/s': 'xoxb-1-2-3' })), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /^Provider team-a\/p: type slack with a bot token needs spec.channel/);
      return true;
    });
  });

  it('github without a token is refused', async () => {
    // Act and assess
    await assert.rejects(resolveProvider(provider({ type: 'github', address: 'https://github.com/a/b' }), store({})), /type github needs a token/);
  });

  it('an unparsable JSON secret is refused without echoing its value', async () => {
    // Act and assess
    await assert.rejects(
      resolveProvider(provider({ type: 'slack', secretRef: { name: 's' } }), store({ 'team-a/s': '{"token": "sekrit-value' })),
      (error: unknown) => {
        assert.match((error as Error).message, /secret team-a\/s: looks like JSON but does not parse/);
        assert.equal((error as Error).message.includes('sekrit-value'), false);
        return true;
      },
    );
  });
});

describe('Slack Web API or webhook', () => {
  it('a token without address, or with a chat.postMessage address, uses the Web API', () => {
    // Act and assess
    assert.equal(usesSlackWebApi({ token: 'xoxb-1' }), true);
    assert.equal(usesSlackWebApi({ token: 'xoxb-1', address: 'https://slack.com/api/chat.postMessage' }), true);
  });

  it('a webhook URL is a webhook even with a token, and no token is always a webhook', () => {
    // Act and assess
    assert.equal(usesSlackWebApi({ token: 'xoxb-1', address: 'https://hooks.slack.com/services/T/B/X' }), false);
    assert.equal(usesSlackWebApi({ address: 'https://slack.com/api/chat.postMessage' }), false);
  });
});
