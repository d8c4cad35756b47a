// The esbuild options of every function bundle: a change to one that matters for size or cold init fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { BUNDLING, ISOMORPHIC_GIT_ESM, NODE_HTTP_SHIM } from '#infra/function.ts';

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
  assert.deepEqual(aliases.slice(0, 2), [
    ['--alias:node:http', NODE_HTTP_SHIM],
    ['--alias:http', NODE_HTTP_SHIM],
  ]);
  assert.equal(shim.default, process.getBuiltinModule('node:http'));
});

test("function bundles take isomorphic-git's ES module build, which tree-shakes to the commands shared/git calls", () => {
  // Act
  const alias = BUNDLING.esbuildArgs['--alias:isomorphic-git'];

  // Assess
  assert.equal(alias, ISOMORPHIC_GIT_ESM);
  assert.ok(existsSync(ISOMORPHIC_GIT_ESM), `${ISOMORPHIC_GIT_ESM} exists`);
});
