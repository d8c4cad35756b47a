import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '#shared/events/catalog.ts';
import { REDACTED, Redactor } from '#shared/alerts/redact.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { formatSlackMessage } from '#shared/alerts/slack-format.ts';
import { toFluxEvent } from '#shared/alerts/generic.ts';
import { commitStatusFor } from '#shared/alerts/commit-status.ts';
import { sampleEvents } from './fixtures.ts';

const SEEDED_TOKEN = 'seeded-bot-token-0f9e8d7c';
const SEEDED_HOOK = 'https://hooks.example.com/services/T000/B000/s3cr3tPathValue';
const events = sampleEvents();

describe('Redactor', () => {
  it('replaces the loaded secret values wherever they appear', () => {
    // Prepare
    const redactor = new Redactor([SEEDED_TOKEN]);

    // Act and assess
    assert.equal(redactor.redact(`auth with ${SEEDED_TOKEN} failed; retry ${SEEDED_TOKEN}`), `auth with ${REDACTED} failed; retry ${REDACTED}`);
  });

  it('replaces a secret URL whole and its path on its own', () => {
    // Prepare
    const redactor = new Redactor([SEEDED_HOOK]);

    // Act and assess
    assert.equal(redactor.redact(`POST ${SEEDED_HOOK}`), `POST ${REDACTED}`);
    assert.equal(redactor.redact('GET /services/T000/B000/s3cr3tPathValue 404').includes('s3cr3t'), false);
  });

  it('replaces URL-encoded and JSON-escaped forms of a secret', () => {
    // Prepare
    const secret = 'pa ss/"word"+value';
    const redactor = new Redactor([secret]);

    // Act and assess
    assert.equal(redactor.redact(`q=${encodeURIComponent(secret)}`), `q=${REDACTED}`);
    assert.equal(redactor.redact(JSON.stringify({ p: secret })), `{"p":"${REDACTED}"}`);
  });

  it('replaces the base64 form of a secret, also inside a longer base64 text', () => {
    // Prepare
    const redactor = new Redactor([SEEDED_TOKEN]);
    const basic = Buffer.from(`deploy:${SEEDED_TOKEN}`).toString('base64');

    // Act
    const out = redactor.redact(`data: ${Buffer.from(SEEDED_TOKEN).toString('base64')}; Authorization ${basic}`);

    // Assess
    assert.equal(out.includes(Buffer.from(SEEDED_TOKEN).toString('base64')), false, out);
    assert.equal(out.includes(basic.slice(12, 30)), false, out);
  });

  it('redacts token=<value> and Invalid value: "<value>" without knowing the value', () => {
    // Prepare
    const text = 'GET /hook?token=q8Zr2LmN0pW4 failed; data.password: Invalid value: "hunter2-not-base64": illegal base64 data';

    // Act
    const out = new Redactor().redact(text);

    // Assess
    assert.equal(out, `GET /hook?token=${REDACTED} failed; data.password: Invalid value: "${REDACTED}": illegal base64 data`);
  });

  const shapes: [string, string][] = [
    ['Slack bot token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp'],
    ['Slack webhook URL', 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX'],
    ['GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ['GitLab token', 'glpat-abcdefghij0123456789'],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['AWS secret key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['Bearer token', 'Authorization: Bearer abc.def.ghi-jkl'],
    ['basic-auth URL', 'https://deploy:hunter2hunter2@git.example.com/fleet.git'],
    ['PEM block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'],
  ];
  for (const [name, secret] of shapes) {
    it(`redacts a ${name} without knowing its value`, () => {
      // Prepare
      const text = `error: ${secret} rejected`;

      // Act
      const out = new Redactor().redact(text);

      // Assess
      assert.ok(out.includes(REDACTED), out);
      const secretCore = secret.replace(/^.*?(=|: Bearer|:\/\/deploy:)\s*/, '').slice(0, 12);
      assert.equal(out.includes(secretCore), false, out);
    });
  }

  it('leaves ordinary text alone', () => {
    // Prepare
    const text = 'Deployment web in ns shop: token validation failed; basic authentication required at https://git.example.com/fleet';

    // Act and assess
    assert.equal(new Redactor(['short']).redact(text), text);
  });
});

describe('no secret value reaches a message', () => {
  const seeded = [SEEDED_TOKEN, SEEDED_HOOK];
  const redactor = new Redactor(seeded);
  const failing = makeEvent('ReconcileFailed', {
    ...events.ReconcileFailed.detail,
    message: `apply failed: POST ${SEEDED_HOOK} returned 401 for token ${SEEDED_TOKEN}`,
    errors: [{ message: `Secret shop/db data.password changed: "${SEEDED_TOKEN}" -> "ghp_abcdefghijklmnopqrstuvwxyz0123456789"` }],
  });
  const drift = makeEvent('DriftDetected', {
    ...events.DriftDetected.detail,
    drifted: [{ object: { apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: SEEDED_TOKEN }, change: 'Modified' }],
  });

  for (const event of [failing, drift]) {
    it(`${event.detailType}: Slack blocks, fallback, Flux event and commit status are clean`, () => {
      // Prepare
      const notification = toNotification(event);

      // Act
      const outputs = [
        JSON.stringify(formatSlackMessage(notification, { redactor })),
        JSON.stringify(toFluxEvent(notification, { summary: `uses ${SEEDED_TOKEN}` }, redactor)),
        JSON.stringify(commitStatusFor(notification, redactor) ?? {}),
      ];

      // Assess
      for (const output of outputs) {
        for (const secret of seeded) assert.equal(output.includes(secret), false, output);
        assert.equal(output.includes('s3cr3tPathValue'), false);
        assert.equal(output.includes('ghp_abcdefghij'), false);
      }
      assert.ok(outputs[0]?.includes(REDACTED));
    });
  }
});
