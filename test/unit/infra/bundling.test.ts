// The esbuild options of every function bundle: a change to one that matters for size or cold init fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUNDLING, NODE_HTTP_SHIM } from '#infra/function.ts';

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

test('function bundles take node:http as a CommonJS value, so its fetch classes (undici) are not loaded at init', async () => {
  // Prepare
  const shim = (await import(NODE_HTTP_SHIM)) as { default: unknown };

  // Act
  const aliases = Object.entries(BUNDLING.esbuildArgs).filter(([flag]) => flag.startsWith('--alias:'));

  // Assess
  assert.deepEqual(aliases, [
    ['--alias:node:http', NODE_HTTP_SHIM],
    ['--alias:http', NODE_HTTP_SHIM],
  ]);
  assert.equal(shim.default, process.getBuiltinModule('node:http'));
});
