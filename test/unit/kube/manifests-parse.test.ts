// Parsing rendered manifests: a syntax error names the line, never the text around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseManifests } from '#shared/kube/manifests.ts';

test('a manifest that does not parse is refused by line, its text in neither message nor cause', () => {
  // Prepare: a Secret value right before a bad indent.
  const text = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-value\n bad: indent\n';
  // Act
  const attempt = (): unknown => parseManifests(text, 'bundle.yaml');
  // Assess
  assert.throws(attempt, (error: unknown) => error instanceof InvalidInputError && /^bundle\.yaml:\d+: invalid YAML/.test(error.message) && !`${error.message} ${String((error.cause as Error | undefined)?.message)}`.includes('hunter2'));
});
