import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { findReceivers, parseReceiver, parseReceiversFromYaml, receiverWebhookPath, tokenFromSecretValue } from '#shared/config/receiver.ts';

const base = {
  apiVersion: 'notification.toolkit.fluxcd.io/v1',
  kind: 'Receiver',
  metadata: { name: 'github-receiver', namespace: 'flux-system' },
  spec: { type: 'github', events: ['ping', 'push'], secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'flux-system' }] },
};

test('the webhook path is /hook/ + hex sha256 of token, name and namespace concatenated', () => {
  // Prepare
  const expected = createHash('sha256').update('s3cr3tgithub-receiverflux-system').digest('hex');
  // Act
  const path = receiverWebhookPath('s3cr3t', 'github-receiver', 'flux-system');
  // Assess
  assert.equal(path, `/hook/${expected}`);
});

test('a Flux Receiver as written for Flux parses', () => {
  // Act
  const receiver = parseReceiver(base);
  // Assess
  assert.equal(receiver.spec.type, 'github');
  assert.deepEqual(receiver.spec.events, ['ping', 'push']);
});

test('a Receiver without namespace defaults to flux-system', () => {
  // Act
  const receiver = parseReceiver({ ...base, metadata: { name: 'r' } });
  // Assess
  assert.equal(receiver.metadata.namespace, 'flux-system');
});

test('the generic receiver type is refused by name with the alternative', () => {
  // Act
  const attempt = (): unknown => parseReceiver({ ...base, spec: { ...base.spec, type: 'generic' } });
  // Assess
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /spec\.type generic is not supported/);
    assert.match(error.message, /generic-hmac/);
    return true;
  });
});

// Receivers refused with a message naming what is unsupported or missing.
const refusedByName: { name: string; receiver: () => unknown; message: RegExp }[] = [
  {
    name: 'a registry receiver type is refused by name',
    receiver: () => ({ ...base, spec: { ...base.spec, type: 'harbor' } }),
    message: /spec\.type harbor is not supported/,
  },
  {
    name: 'spec.resourceFilter is refused by name',
    receiver: () => ({ ...base, spec: { ...base.spec, resourceFilter: 'true' } }),
    message: /spec\.resourceFilter is not supported/,
  },
  {
    name: 'a per-resource CEL filter is refused by name',
    receiver: () => ({ ...base, spec: { ...base.spec, resources: [{ kind: 'GitRepository', name: 'x', filter: 'true' }] } }),
    message: /spec\.resources\[0\]\.filter is not supported/,
  },
  {
    name: 'a Receiver without secretRef is refused naming the field',
    receiver: () => {
      const { secretRef: _unused, ...spec } = base.spec;
      return { ...base, spec };
    },
    message: /spec\.secretRef/,
  },
];

for (const c of refusedByName) {
  test(c.name, () => {
    // Prepare
    const manifest = c.receiver();
    // Act
    const attempt = (): unknown => parseReceiver(manifest);
    // Assess
    assert.throws(attempt, c.message);
  });
}

test('an unknown spec field is refused by name', () => {
  // Act
  const attempt = (): unknown => parseReceiver({ ...base, spec: { ...base.spec, secretRefs: [] } }, 'clusters/prod/receiver.yaml');
  // Assess
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /^clusters\/prod\/receiver\.yaml: /);
    assert.match(error.message, /spec\.secretRefs/);
    return true;
  });
});

test('YAML with several documents yields only the Flux Receivers', () => {
  // Prepare
  const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: webhook-token}\n---\n${JSON.stringify(base)}\n---\napiVersion: example.com/v1\nkind: Receiver\nmetadata: {name: other}\n`;
  // Act
  const receivers = parseReceiversFromYaml(text);
  // Assess
  assert.deepEqual(
    receivers.map((r) => r.metadata.name),
    ['github-receiver'],
  );
});

test('a secret value is the token itself or a JSON object with a token key', () => {
  // Act
  const tokens = [tokenFromSecretValue('plain', 'n'), tokenFromSecretValue('{"token":"from-json"}', 'n')];
  const withoutToken = (): unknown => tokenFromSecretValue('{"tok":"x"}', 'ns/name');
  // Assess
  assert.deepEqual(tokens, ['plain', 'from-json']);
  assert.throws(withoutToken, /secret ns\/name: JSON value has no "token" string/);
});

test('findReceivers walks a fleet directory and reports a duplicate with both files', async (t) => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'receivers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'clusters', 'prod'), { recursive: true });
  writeFileSync(join(dir, 'clusters', 'prod', 'receiver.yaml'), JSON.stringify(base));
  writeFileSync(join(dir, 'clusters', 'prod', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  // Act
  const found = await findReceivers(dir);
  writeFileSync(join(dir, 'clusters', 'copy.yaml'), JSON.stringify(base));
  const withDuplicate = findReceivers(dir);
  // Assess
  assert.deepEqual(
    found.map((f) => f.file),
    [join('clusters', 'prod', 'receiver.yaml')],
  );
  await assert.rejects(withDuplicate, /defined twice/);
});
