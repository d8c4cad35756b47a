// The esbuild options of every function bundle: a change to one that matters for size or cold init fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as yaml from 'yaml';
import { BUNDLING, ISOMORPHIC_GIT_ESM, LAMBDA_CREDENTIALS, NATIVE_SHA1, NODE_HTTP_SHIM, YAML_ESM } from '#infra/function.ts';

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

test("function bundles take yaml's ES module build, the same parser as the one the tests run", async () => {
  // Prepare
  const esm = (await import(YAML_ESM)) as typeof yaml;
  const text = 'a: &x [1, {b: c}]\nd: *x\n';

  // Act
  const alias = BUNDLING.esbuildArgs['--alias:yaml'];

  // Assess
  assert.equal(alias, YAML_ESM);
  assert.deepEqual(esm.parse(text), yaml.parse(text));
  assert.equal(esm.stringify({ k: ['v'] }), yaml.stringify({ k: ['v'] }));
});

test("function bundles resolve the SDK's default credentials from Lambda's environment, and fail naming the variables without them", async () => {
  // Prepare
  const { defaultProvider } = (await import(LAMBDA_CREDENTIALS)) as { defaultProvider: () => () => Promise<Record<string, unknown>> };
  const saved = { ...process.env };
  try {
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'example-secret';
    process.env['AWS_SESSION_TOKEN'] = 'example-session';

    // Act
    const credentials = await defaultProvider()();
    delete process.env['AWS_ACCESS_KEY_ID'];
    const missing = defaultProvider()();

    // Assess
    assert.equal(BUNDLING.esbuildArgs['--alias:@aws-sdk/credential-provider-node'], LAMBDA_CREDENTIALS);
    assert.equal(credentials['accessKeyId'], 'AKIDEXAMPLE');
    assert.equal(credentials['secretAccessKey'], 'example-secret');
    assert.equal(credentials['sessionToken'], 'example-session');
    await assert.rejects(missing, /environment variable credentials/);
  } finally {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
});

test("function bundles hash Git objects with Node's SHA-1 behind sha.js's interface", async () => {
  // Prepare
  interface Sha1 {
    update(data: Uint8Array | string): Sha1;
    digest(): Buffer;
    digest(encoding: 'hex'): string;
  }
  const Sha1 = ((await import(NATIVE_SHA1)) as { default: new () => Sha1 }).default;
  const parts = [Buffer.from('blob 11\0'), new Uint8Array(Buffer.from('hello world'))];

  // Act
  const hash = new Sha1();
  const chained = parts.reduce((current, part) => current.update(part), hash);
  const raw = hash.digest();
  const empty = new Sha1().update('').digest('hex');

  // Assess
  assert.equal(BUNDLING.esbuildArgs['--alias:sha.js/sha1.js'], NATIVE_SHA1);
  assert.equal(chained, hash);
  assert.ok(Buffer.isBuffer(raw));
  assert.equal(raw.toString('hex'), createHash('sha1').update(Buffer.concat(parts)).digest('hex'));
  assert.equal(raw.toString('hex'), '95d09f2b10159347eece71399a7e2e907ea3df4f');
  assert.equal(empty, 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
});
