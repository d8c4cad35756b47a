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
  const expected = createHash('sha256').update('s3cr3tgithub-receiverflux-system').digest('hex');
  assert.equal(receiverWebhookPath('s3cr3t', 'github-receiver', 'flux-system'), `/hook/${expected}`);
});

test('a Flux Receiver as written for Flux parses', () => {
  const receiver = parseReceiver(base);
  assert.equal(receiver.spec.type, 'github');
  assert.deepEqual(receiver.spec.events, ['ping', 'push']);
});

test('a Receiver without namespace defaults to flux-system', () => {
  const receiver = parseReceiver({ ...base, metadata: { name: 'r' } });
  assert.equal(receiver.metadata.namespace, 'flux-system');
});

test('the generic receiver type is refused by name with the alternative', () => {
  assert.throws(
    () => parseReceiver({ ...base, spec: { ...base.spec, type: 'generic' } }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /spec\.type generic is not supported/);
      assert.match(error.message, /generic-hmac/);
      return true;
    },
  );
});

test('a registry receiver type is refused by name', () => {
  assert.throws(() => parseReceiver({ ...base, spec: { ...base.spec, type: 'harbor' } }), /spec\.type harbor is not supported/);
});

test('spec.resourceFilter is refused by name', () => {
  assert.throws(() => parseReceiver({ ...base, spec: { ...base.spec, resourceFilter: 'true' } }), /spec\.resourceFilter is not supported/);
});

test('a per-resource CEL filter is refused by name', () => {
  const spec = { ...base.spec, resources: [{ kind: 'GitRepository', name: 'x', filter: 'true' }] };
  assert.throws(() => parseReceiver({ ...base, spec }), /spec\.resources\[0\]\.filter is not supported/);
});

test('an unknown spec field is refused by name', () => {
  assert.throws(
    () => parseReceiver({ ...base, spec: { ...base.spec, secretRefs: [] } }, 'clusters/prod/receiver.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /^clusters\/prod\/receiver\.yaml: /);
      assert.match(error.message, /spec\.secretRefs/);
      return true;
    },
  );
});

test('a Receiver without secretRef is refused naming the field', () => {
  const { secretRef: _unused, ...spec } = base.spec;
  assert.throws(() => parseReceiver({ ...base, spec }), /spec\.secretRef/);
});

test('YAML with several documents yields only the Flux Receivers', () => {
  const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: webhook-token}\n---\n${JSON.stringify(base)}\n---\napiVersion: example.com/v1\nkind: Receiver\nmetadata: {name: other}\n`;
  const receivers = parseReceiversFromYaml(text);
  assert.deepEqual(
    receivers.map((r) => r.metadata.name),
    ['github-receiver'],
  );
});

test('a secret value is the token itself or a JSON object with a token key', () => {
  assert.equal(tokenFromSecretValue('plain', 'n'), 'plain');
  assert.equal(tokenFromSecretValue('{"token":"from-json"}', 'n'), 'from-json');
  assert.throws(() => tokenFromSecretValue('{"tok":"x"}', 'ns/name'), /secret ns\/name: JSON value has no "token" string/);
});

test('findReceivers walks a fleet directory and reports a duplicate with both files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'receivers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'clusters', 'prod'), { recursive: true });
  writeFileSync(join(dir, 'clusters', 'prod', 'receiver.yaml'), JSON.stringify(base));
  writeFileSync(join(dir, 'clusters', 'prod', 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  const found = await findReceivers(dir);
  assert.deepEqual(
    found.map((f) => f.file),
    [join('clusters', 'prod', 'receiver.yaml')],
  );
  writeFileSync(join(dir, 'clusters', 'copy.yaml'), JSON.stringify(base));
  await assert.rejects(findReceivers(dir), /defined twice/);
});
