import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseAlert } from '#shared/config/alert.ts';
import { DEFAULT_PROVIDER_TIMEOUT_MS, parseProvider } from '#shared/config/provider.ts';

const alert = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
  kind: 'Alert',
  metadata: { name: 'on-call', namespace: 'flux-system' },
  spec: { providerRef: { name: 'slack' }, eventSources: [{ kind: 'Kustomization', name: '*' }], ...spec },
  ...extra,
});
const provider = (spec: Record<string, unknown>) => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
  kind: 'Provider',
  metadata: { name: 'slack', namespace: 'flux-system' },
  spec,
});

describe('parseAlert', () => {
  it('accepts a Flux Alert and defaults eventSeverity to info', () => {
    // Prepare
    const parsed = parseAlert(alert({ inclusionList: ['.*failed.*'], exclusionList: ['^no-op'], summary: 'prod', eventMetadata: { env: 'prod' } }));

    // Act and assess
    assert.equal(parsed.spec.eventSeverity, 'info');
    assert.equal(parsed.inclusion.length, 1);
    assert.equal(parsed.exclusion[0]?.test('no-op change'), true);
  });

  it('refuses an unknown field by name', () => {
    // Act and assess
    assert.throws(
      () => parseAlert(alert({ eventSeverities: 'error' }), 'clusters/prod/alerts.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.match(error.message, /^clusters\/prod\/alerts\.yaml: Alert on-call: unknown field\(s\) spec\.eventSeverities/);
        return true;
      },
    );
  });

  it('refuses a severity other than info or error', () => {
    // Act and assess
    assert.throws(() => parseAlert(alert({ eventSeverity: 'warning' })), /spec\.eventSeverity/);
  });

  it('refuses an invalid inclusion regex naming its position', () => {
    // Act and assess
    assert.throws(() => parseAlert(alert({ inclusionList: ['ok', '(unclosed'] })), /spec\.inclusionList\[1\]: invalid regular expression/);
  });

  it('translates the RE2 case-insensitive flag', () => {
    // Prepare
    const parsed = parseAlert(alert({ exclusionList: ['(?i)HEALTH'] }));

    // Act and assess
    assert.equal(parsed.exclusion[0]?.test('health check failed'), true);
  });

  it('refuses source kinds Tideline never emits events for, by name', () => {
    // Act and assess
    assert.throws(() => parseAlert(alert({ eventSources: [{ kind: 'HelmRelease', name: '*' }] })), /eventSources\[0\]\.kind HelmRelease is not supported/);
  });

  it('refuses matchLabels without the wildcard name, as Flux does', () => {
    // Act and assess
    assert.throws(
      () => parseAlert(alert({ eventSources: [{ kind: 'Kustomization', name: 'apps', matchLabels: { team: 'a' } }] })),
      /matchLabels requires name '\*'/,
    );
  });
});

describe('parseProvider', () => {
  it('accepts a Slack provider with a channel and a secretRef, with Flux default timeout', () => {
    // Prepare
    const parsed = parseProvider(provider({ type: 'slack', channel: 'deploys', secretRef: { name: 'slack-bot' } }));

    // Act and assess
    assert.equal(parsed.spec.type, 'slack');
    assert.equal(parsed.timeoutMs, DEFAULT_PROVIDER_TIMEOUT_MS);
  });

  it('reads the timeout duration', () => {
    // Act and assess
    assert.equal(parseProvider(provider({ type: 'generic', address: 'https://example.com/hook', timeout: '2s' })).timeoutMs, 2000);
  });

  it('refuses an unsupported Flux type by name and lists the supported ones', () => {
    // Act and assess
    assert.throws(
      () => parseProvider(provider({ type: 'msteams', address: 'https://example.com' })),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.match(error.message, /spec\.type msteams is not supported; supported types: slack, generic, generic-hmac, github, gitlab/);
        return true;
      },
    );
  });

  it('refuses an unimplemented Flux field by name with the reason', () => {
    // Act and assess
    assert.throws(() => parseProvider(provider({ type: 'slack', proxySecretRef: { name: 'p' } })), /spec\.proxySecretRef is not supported: outbound proxies/);
  });

  it('refuses an address that is not an http(s) URL', () => {
    // Act and assess
    assert.throws(() => parseProvider(provider({ type: 'generic', address: 'ftp://example.com' })), /spec\.address must be an http\(s\) URL/);
  });

  it('refuses an unknown field by name', () => {
    // Act and assess
    assert.throws(() => parseProvider(provider({ type: 'slack', webhook: 'x' })), /unknown field\(s\) spec\.webhook/);
  });
});
