// The esbuild options of every function bundle: a change to one that matters for size or cold init fails here.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'yaml';
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { BUNDLING, ISOMORPHIC_GIT_ESM, LAMBDA_CREDENTIALS, NATIVE_SHA1, NATIVE_ZLIB, NODE_HTTP_SHIM, PROJECT_ROOT, YAML_ESM } from '#infra/function.ts';
import { importBundled } from '#test/infra/bundle.ts';

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

test("function bundles resolve the SDK's default credentials from Lambda's environment, and fail saying so without them", async () => {
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

describe("function bundles inflate Git objects with Node's zlib behind pako's interface", async () => {
  interface Inflator {
    result: Uint8Array | undefined;
    err: number;
    msg: string;
    strm: { avail_in: number };
    push(chunk: Uint8Array, end: boolean): boolean;
  }
  const native = (await import(NATIVE_ZLIB)) as {
    default: { inflate(data: Uint8Array): Uint8Array; deflate(data: Uint8Array): Uint8Array; Inflate: new () => Inflator };
  };
  const shim = native.default;
  // The pako isomorphic-git itself loads.
  const reference = createRequire(ISOMORPHIC_GIT_ESM)('pako') as typeof shim;
  const objects = [Buffer.from('tree 0\0'), Buffer.from('blob '.repeat(5000)), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251))];
  const pack = Buffer.concat([...objects.map((object) => deflateSync(object)), Buffer.from('PACK trailer')]);

  /** How a pack listing reads objects: push the rest of the pack, take the result, move past what the stream used. */
  function list(implementation: typeof shim, chunks: (rest: Buffer) => Buffer[]): { data: string; used: number }[] {
    const listed: { data: string; used: number }[] = [];
    let at = 0;
    for (let n = 0; n < objects.length; n++) {
      const inflator = new implementation.Inflate();
      const pieces = chunks(pack.subarray(at));
      let pushed = 0;
      for (const piece of pieces) {
        inflator.push(piece, false);
        assert.equal(inflator.err, 0);
        if (inflator.result) {
          at += pushed + piece.length - inflator.strm.avail_in;
          break;
        }
        pushed += piece.length;
      }
      listed.push({ data: Buffer.from(inflator.result ?? []).toString('hex'), used: at });
    }
    return listed;
  }

  it('is the alias of pako', () => {
    assert.equal(BUNDLING.esbuildArgs['--alias:pako'], NATIVE_ZLIB);
  });

  it('lists the objects of a pack exactly as pako does, in one chunk or cut into many', () => {
    // Act
    const whole = [list(shim, (rest) => [rest]), list(reference, (rest) => [rest])];
    const cut = [shim, reference].map((implementation) =>
      list(implementation, (rest) => Array.from({ length: Math.ceil(rest.length / 37) }, (_, i) => rest.subarray(i * 37, (i + 1) * 37))),
    );

    // Assess
    assert.deepEqual(whole[0], whole[1]);
    assert.deepEqual(cut[0], cut[1]);
    assert.deepEqual(
      whole[0]?.map((entry) => entry.data),
      objects.map((object) => object.toString('hex')),
    );
  });

  it('inflates and deflates as pako does, and reports corrupt data as pako does', () => {
    // Prepare
    const text = Buffer.from('apiVersion: v1\nkind: ConfigMap\n'.repeat(40));
    const corrupt = Buffer.from('not zlib at all');

    // Act
    const roundTrip = Buffer.from(reference.inflate(shim.deflate(text)));
    const inflated = Buffer.from(shim.inflate(reference.deflate(text)));
    const thrown = [shim, reference].map((implementation) => {
      try {
        implementation.inflate(corrupt);
        return undefined;
      } catch (error) {
        return error;
      }
    });
    const inflators = [new shim.Inflate(), new reference.Inflate()];
    for (const inflator of inflators) inflator.push(corrupt, false);

    // Assess
    assert.deepEqual(roundTrip, text);
    assert.deepEqual(inflated, text);
    assert.equal(typeof thrown[0], 'string');
    assert.equal(thrown[0], thrown[1]);
    assert.equal(inflators[0]?.result, undefined);
    assert.notEqual(inflators[0]?.err, 0);
    assert.equal(inflators[0]?.msg, inflators[1]?.msg);
  });
});

test('modules of the project are side-effect free to the bundler but for the ones listed, so a bundle keeps only what its function reaches and the listed setup runs', async () => {
  // Prepare
  const { sideEffects } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { sideEffects: string[] };
  const bundled = await importBundled<{ parseDetail: (type: string, detail: unknown) => unknown }>("export { parseDetail } from '#shared/events/parse.ts';");

  // Act
  const refused = (() => {
    try {
      bundled.parseDetail('SourceChanged', { version: 1, eventId: '' });
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  })();

  // Assess
  assert.deepEqual(sideEffects, ['./shared/zod.ts', './shared/render/yaml/nodes.ts']);
  for (const file of sideEffects) assert.ok(existsSync(path.join(PROJECT_ROOT, file)), `${file} exists`);
  // zod's English messages are set up by shared/zod.ts alone: a bundle without it says only "Invalid input".
  assert.match(refused, /eventId: Too small: expected string to have >=1 characters/);
});
