import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument, type Node } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { applyJson6902, parseJson6902Operations } from '#shared/render/merge/index.ts';

function node(text: string): Node {
  return parseDocument(text).contents as Node;
}

const service = 'metadata:\n  name: edge\n  labels: {a: "1"}\n  annotations: {"example.com/x~y": old}\nspec:\n  ports: [{port: 80}, {port: 443}]\n';

test('adds, replaces and removes members addressed by JSON pointers', () => {
  // Prepare
  const ops = [
    { op: 'add', path: '/metadata/labels/b', value: '2' },
    { op: 'replace', path: '/metadata/labels/a', value: 'one' },
    { op: 'remove', path: '/spec/ports/0' },
  ];

  // Act
  const result = applyJson6902(node(service), ops).toJSON() as { metadata: { labels: unknown }; spec: { ports: unknown } };

  // Assess
  assert.deepEqual(result.metadata.labels, { a: 'one', b: '2' });
  assert.deepEqual(result.spec.ports, [{ port: 443 }]);
});

test('decodes ~1 and ~0 escapes in pointer tokens', () => {
  // Prepare
  const ops = [
    { op: 'add', path: '/metadata/annotations/service.beta.kubernetes.io~1aws-load-balancer-type', value: 'nlb' },
    { op: 'replace', path: '/metadata/annotations/example.com~1x~0y', value: 'new' },
  ];

  // Act
  const result = applyJson6902(node(service), ops).toJSON() as { metadata: { annotations: unknown } };

  // Assess
  assert.deepEqual(result.metadata.annotations, { 'example.com/x~y': 'new', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
});

test('appends with the "-" index and inserts at a numeric index', () => {
  // Prepare
  const ops = [
    { op: 'add', path: '/spec/ports/-', value: { port: 8080 } },
    { op: 'add', path: '/spec/ports/0', value: { port: 1 } },
  ];

  // Act
  const result = applyJson6902(node(service), ops).toJSON() as { spec: { ports: { port: number }[] } };

  // Assess
  assert.deepEqual(
    result.spec.ports.map((p) => p.port),
    [1, 80, 443, 8080],
  );
});

test('moves and copies values', () => {
  // Prepare
  const ops = [
    { op: 'copy', from: '/spec/ports/1', path: '/spec/ports/-' },
    { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/moved' },
  ];

  // Act
  const result = applyJson6902(node(service), ops).toJSON() as { metadata: { labels: unknown }; spec: { ports: unknown[] } };

  // Assess
  assert.deepEqual(result.metadata.labels, { moved: '1' });
  assert.deepEqual(result.spec.ports, [{ port: 80 }, { port: 443 }, { port: 443 }]);
});

test('a passing test operation lets the patch continue, typing plain scalars as YAML does', () => {
  // Prepare
  const ops = [
    { op: 'test', path: '/spec/ports/0/port', value: 80 },
    { op: 'add', path: '/metadata/labels/tested', value: 'yes' },
  ];

  // Act
  const result = applyJson6902(parseDocument(service, { schema: 'failsafe' }).contents as Node, ops).toJSON() as {
    metadata: { labels: Record<string, string> };
  };

  // Assess
  assert.equal(result.metadata.labels.tested, 'yes');
});

test('a failing test operation stops the patch with an error naming the operation', () => {
  // Prepare
  const ops = [{ op: 'test', path: '/metadata/name', value: 'other' }];

  // Act
  const act = () => applyJson6902(node(service), ops);

  // Assess
  assert.throws(act, (error: unknown) => error instanceof InvalidInputError && /operation 1 \(test \/metadata\/name\)/.test(error.message));
});

test('replace of a missing object member adds it, as kustomize does', () => {
  // Act
  const result = applyJson6902(node(service), [{ op: 'replace', path: '/spec/type', value: 'LoadBalancer' }]).toJSON() as { spec: { type: string } };

  // Assess
  assert.equal(result.spec.type, 'LoadBalancer');
});

test('refuses to add below a missing path, naming the file and operation', () => {
  // Act
  const act = () => applyJson6902(node(service), [{ op: 'add', path: '/spec/missing/deeper', value: 1 }], { file: 'overlays/prod/patch.yaml' });
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      error.message.startsWith('overlays/prod/patch.yaml: ') &&
      /operation 1 \(add \/spec\/missing\/deeper\)/.test(error.message),
  );
});

test('refuses to remove an array index out of range', () => {
  // Act
  const act = () => applyJson6902(node(service), [{ op: 'remove', path: '/spec/ports/5' }]);
  // Assess
  assert.throws(act, /invalid index 5/);
});

test('refuses an unknown operation', () => {
  // Act
  const act = () => applyJson6902(node(service), [{ op: 'merge', path: '/spec' }]);
  // Assess
  assert.throws(act, /unknown operation "merge"/);
});

test('parses YAML patches with YAML 1.1 scalars and JSON patches as JSON', () => {
  // Act
  const fromYaml = parseJson6902Operations('- op: add\n  path: /a\n  value: yes\n- op: add\n  path: /b\n  value: "on"\n');
  const fromJson = parseJson6902Operations('[{"op": "remove", "path": "/a"}]');

  // Assess
  assert.deepEqual(fromYaml, [
    { op: 'add', path: '/a', value: true },
    { op: 'add', path: '/b', value: 'on' },
  ]);
  assert.deepEqual(fromJson, [{ op: 'remove', path: '/a' }]);
});

test('refuses patch text that is not a list of operations', () => {
  // Act
  const act = () => parseJson6902Operations('op: add\npath: /a\n', { file: 'p.yaml' });
  // Assess
  assert.throws(act, /p\.yaml: a JSON patch must be a list of operations/);
});
