// Parsing rendered manifests: documents become objects; a syntax error names the line, never the
// text around it; a document without identity names its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseManifests } from '#shared/kube/manifests.ts';
import { assertRefusedWithout } from '#test/support/invalid-input.ts';

test('a manifest that does not parse is refused by line, its text in neither message nor cause', () => {
  // Prepare: a Secret value right before a bad indent.
  const text = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-value\n bad: indent\n';
  // Act
  const attempt = (): unknown => parseManifests(text, 'bundle.yaml');
  // Assess
  assertRefusedWithout(attempt, /^bundle\.yaml:\d+: invalid YAML/, 'hunter2');
});

test('plain manifests parse into one object per document', () => {
  // Prepare
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n';
  // Act
  const objects = parseManifests(text, 'a.yaml');
  // Assess
  assert.deepEqual(
    objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`),
    ['v1 ConfigMap a'],
  );
});

test('a document without apiVersion, kind or name is an InvalidInputError naming its file', () => {
  // Prepare
  const text = 'kind: ConfigMap\n';
  // Act
  const attempt = (): unknown => parseManifests(text, 'b.yaml');
  // Assess
  assert.throws(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /^b\.yaml: a document lacks apiVersion, kind or metadata\.name$/.test(error.message),
  );
});
