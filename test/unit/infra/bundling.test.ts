// The esbuild options of every function bundle: a change to one that matters for size or cold init fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUNDLING } from '#infra/function.ts';

test('function bundles are minified ESM for node24 with mappings only and nothing left external', () => {
  // Act
  const options = BUNDLING;
  // Assess
  assert.equal(options.format, 'esm');
  assert.equal(options.target, 'node24');
  assert.equal(options.minify, true);
  assert.equal(options.sourceMap, true);
  assert.equal(options.sourcesContent, false);
  assert.deepEqual(options.externalModules, []);
  assert.deepEqual(options.mainFields, ['module', 'main']);
});
