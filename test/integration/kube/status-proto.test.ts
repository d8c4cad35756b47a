// The protobuf Status reader against the real kube-apiserver: the same failing request asked for
// in protobuf and in JSON must read the same (message, reason, code, causes), and the client's
// typed errors for protobuf answers carry the server's message and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { ConflictError, InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { apiFailureOf } from '#shared/kube/transport.ts';
import { decodeProtobufStatus } from '#shared/kube/status-proto.ts';
import { getTestEnv, useNamespace } from '#test/env/index.ts';
import { configMap, testClientFor } from './helpers.ts';

/** POSTs `body` to `path` on the test API server and returns the raw answer. */
async function post(path: string, body: unknown, accept: string): Promise<{ status: number; contentType: string; body: Buffer }> {
  const { kube } = await getTestEnv();
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.server}${path}`,
      {
        method: 'POST',
        ca: Buffer.from(kube.caData, 'base64'),
        headers: { authorization: `Bearer ${kube.token}`, accept, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a protobuf Status reads the same as the JSON one for invalid, existing and missing-namespace creates', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-status-proto');
  const client = await testClientFor(t);
  await client.apply(configMap(ns, 'exists', { k: 'v' }));
  const invalid = { ...configMap(ns, 'Bad_Name', { 'not a key!': 'v' }) };
  const cases = [
    { path: `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, body: invalid, code: 422 },
    { path: `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, body: configMap(ns, 'exists', { k: 'v' }), code: 409 },
    { path: '/api/v1/namespaces/no-such-namespace-here/configmaps?dryRun=All', body: configMap('no-such-namespace-here', 'x', {}), code: 404 },
  ];
  for (const c of cases) {
    // Act
    const proto = await post(c.path, c.body, 'application/vnd.kubernetes.protobuf');
    const json = await post(c.path, c.body, 'application/json');
    // Assess
    assert.equal(proto.status, c.code);
    assert.match(proto.contentType, /^application\/vnd\.kubernetes\.protobuf/);
    const expected = JSON.parse(json.body.toString('utf8')) as { message: string; reason: string; code: number; details?: { causes?: unknown[] } };
    const decoded = decodeProtobufStatus(proto.body);
    assert.deepEqual(
      { message: decoded?.message, reason: decoded?.reason, code: decoded?.code, causes: decoded?.details?.causes },
      { message: expected.message, reason: expected.reason, code: expected.code, causes: expected.details?.causes },
    );
  }
});

test('dry-run creates answered in protobuf fail with typed errors that carry the server message and reason', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-status-typed');
  const client = await testClientFor(t);
  await client.apply(configMap(ns, 'exists', { k: 'v' }));
  // Act
  const attempt = async (object: Parameters<typeof client.dryRunCreate>[0]) =>
    client.dryRunCreate(object).then(
      () => undefined,
      (error: unknown) => error,
    );
  const invalid = await attempt(configMap(ns, 'bad', { 'not a key!': 'v' }));
  const existing = await attempt(configMap(ns, 'exists', { k: 'v' }));
  const missing = await attempt(configMap('no-such-namespace-here', 'x', { k: 'v' }));
  // Assess
  assert.ok(invalid instanceof InvalidInputError);
  assert.match(invalid.message, /ConfigMap "bad" is invalid: data\[not a key!\]: Invalid value: "not a key!"/);
  assert.ok(existing instanceof ConflictError);
  assert.equal(apiFailureOf(existing)?.reason, 'AlreadyExists');
  assert.ok(missing instanceof NotFoundError);
  assert.match(missing.message, /namespaces "no-such-namespace-here" not found/);
});

test('anything that is not a protobuf Status reads as undefined, never as a wrong Status', () => {
  // Prepare
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  const inputs = [
    Buffer.from('{"kind":"Status"}'),
    Buffer.alloc(0),
    magic,
    Buffer.concat([magic, Buffer.from([0x12, 0x10, 0x1a])]), // raw field claims 16 bytes, has 1
    Buffer.concat([magic, Buffer.from([0x0a, 0x06, 0x12, 0x04, 0x50, 0x6f, 0x64, 0x73])]), // typeMeta kind "Pods"
    Buffer.concat([magic, Buffer.from([0xff, 0xff, 0xff])]), // truncated varint
  ];
  // Act
  const decoded = inputs.map((input) => decodeProtobufStatus(input));
  // Assess
  assert.deepEqual(
    decoded,
    inputs.map(() => undefined),
  );
});
