import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument, type YAMLMap } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { strategicMergePatch } from '#shared/render/merge/index.ts';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
const service = { group: '', version: 'v1', kind: 'Service' };

function node(text: string, failsafe = false): YAMLMap {
  return parseDocument(text, failsafe ? { schema: 'failsafe' } : {}).contents as YAMLMap;
}

const base = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  finalizers: [example.com/a]
spec:
  replicas: 1
  template:
    spec:
      tolerations: [{key: a, operator: Exists}]
      containers:
        - name: app
          image: app:1
          args: [--a]
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
          ports:
            - {containerPort: 80, name: http}
        - name: sidecar
          image: proxy:1
`;

function containers(result: YAMLMap | null): { name: string }[] {
  assert.ok(result);
  return (result.toJSON() as { spec: { template: { spec: { containers: { name: string }[] } } } }).spec.template.spec.containers;
}

/** The names of the merged Deployment's containers, in order. */
function containerNames(result: YAMLMap | null): string[] {
  return containers(result).map((c) => c.name);
}

/** A Deployment patch deleting the container sidecar with `$patch: delete`. */
function deleteSidecar(): YAMLMap {
  return node('kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: sidecar, $patch: delete}\n');
}

test('merges containers by name, patch elements first then the remaining target elements', () => {
  // Prepare
  const patch = node(
    'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: sidecar, image: proxy:2}\n        - {name: logger, image: log:1}\n',
  );

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.deepEqual(containerNames(result), ['sidecar', 'logger', 'app']);
  assert.equal((containers(result)[0] as unknown as { image: string }).image, 'proxy:2');
});

test('merges env entries by name and keeps fields the patch does not mention', () => {
  // Prepare
  const patch = node(
    'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env: [{name: B, value: "3"}]\n',
  );

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  const app = containers(result).find((c) => c.name === 'app') as unknown as { env: unknown[]; image: string };
  assert.deepEqual(app.env, [
    { name: 'B', value: '3' },
    { name: 'A', value: '1' },
  ]);
  assert.equal(app.image, 'app:1');
});

test('replaces lists without a merge strategy (args, tolerations) whole', () => {
  // Prepare
  const patch = node(
    'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      tolerations: [{key: b, operator: Exists}]\n      containers: [{name: app, args: [--b]}]\n',
  );

  // Act
  const result = strategicMergePatch(node(base), patch, deployment)?.toJSON() as {
    spec: { template: { spec: { tolerations: unknown[]; containers: { args: string[] }[] } } };
  };

  // Assess
  assert.deepEqual(result.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
  assert.deepEqual(result.spec.template.spec.containers[0]?.args, ['--b']);
});

test('merges primitive lists with a merge strategy (finalizers) as sets, patch values first', () => {
  // Prepare
  const patch = node('kind: Deployment\nmetadata:\n  name: web\n  finalizers: [example.com/b, example.com/a]\n');

  // Act
  const result = strategicMergePatch(node(base), patch, deployment)?.toJSON() as { metadata: { finalizers: string[] } };

  // Assess
  assert.deepEqual(result.metadata.finalizers, ['example.com/b', 'example.com/a']);
});

test('deletes a field set to null in the patch, also when the patch was parsed with the failsafe schema', () => {
  // Prepare
  const patch = node('kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: null\n', true);

  // Act
  const result = strategicMergePatch(node(base, true), patch, deployment)?.toJSON() as { spec: Record<string, unknown> };

  // Assess
  assert.equal('replicas' in result.spec, false);
});

test('removes a list element marked $patch: delete', () => {
  // Prepare
  const patch = deleteSidecar();

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.deepEqual(containerNames(result), ['app']);
});

test('replaces a map whole with $patch: replace and drops the directive', () => {
  // Prepare
  const target = node('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: a, tier: web}\n');
  const patch = node('kind: Service\nmetadata: {name: s}\nspec:\n  selector:\n    $patch: replace\n    app: b\n');

  // Act
  const result = strategicMergePatch(target, patch, service)?.toJSON() as { spec: { selector: unknown } };

  // Assess
  assert.deepEqual(result.spec.selector, { app: 'b' });
});

test('replaces a merged list whole when the patch list holds a {$patch: replace} element', () => {
  // Prepare
  const patch = node(
    'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: only, image: only:1}\n        - $patch: replace\n',
  );

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.deepEqual(containers(result), [{ name: 'only', image: 'only:1' }]);
});

test('returns null when the patch deletes the whole object', () => {
  // Prepare
  const patch = node('$patch: delete\nkind: Deployment\nmetadata: {name: web}\n');

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.equal(result, null);
});

test('merges custom resources without a schema as JSON merge: maps merge, lists are replaced', () => {
  // Prepare
  const target = node('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  items: [{name: a}]\n  config: {a: 1, b: 2}\n');
  const patch = node('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  items: [{name: b}]\n  config: {b: null, c: 3}\n');

  // Act
  const result = strategicMergePatch(target, patch, { group: 'example.com', version: 'v1', kind: 'Widget' })?.toJSON() as { spec: unknown };

  // Assess
  assert.deepEqual(result.spec, { items: [{ name: 'b' }], config: { a: 1, c: 3 } });
});

test('merges service ports on port and protocol together (order as kustomize build leaves it)', () => {
  // Prepare
  const target = node(
    'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - {port: 53, protocol: TCP, name: tcp}\n    - {port: 53, protocol: UDP, name: udp}\n',
  );
  const patch = node('kind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - {port: 53, protocol: UDP, name: dns-udp}\n');

  // Act
  const result = strategicMergePatch(target, patch, service)?.toJSON() as { spec: { ports: { name: string }[] } };

  // Assess
  assert.deepEqual(
    result.spec.ports.map((p) => p.name),
    ['tcp', 'dns-udp'],
  );
});

test('keeps the target name and namespace unless the patch may rename it', () => {
  // Prepare
  const target = node('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: ns}\ndata: {a: b}\n');
  const cm = { group: '', version: 'v1', kind: 'ConfigMap' };

  // Act
  const kept = strategicMergePatch(target.clone() as YAMLMap, node('kind: ConfigMap\nmetadata: {name: new}\n'), cm)?.toJSON() as { metadata: unknown };
  const renamed = strategicMergePatch(target.clone() as YAMLMap, node('kind: ConfigMap\nmetadata: {name: new}\n'), cm, { allowNameChange: true })?.toJSON() as {
    metadata: unknown;
  };

  // Assess
  assert.deepEqual(kept.metadata, { name: 'old', namespace: 'ns' });
  assert.deepEqual(renamed.metadata, { name: 'new', namespace: 'ns' });
});

test("does not consume the caller's patch, so one patch can apply to several targets", () => {
  // Prepare
  const patch = deleteSidecar();

  // Act
  strategicMergePatch(node(base), patch, deployment);
  const second = strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.deepEqual(containerNames(second), ['app']);
});

test('refuses to merge a list into a map with an error naming the object and the field', () => {
  // Prepare
  const patch = node('kind: Deployment\nmetadata: {name: web}\nspec:\n  template: [1, 2]\n');

  // Act
  const act = () => strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.throws(
    act,
    (error: unknown) => error instanceof InvalidInputError && /Deployment\.apps web/.test(error.message) && /spec\.template/.test(error.message),
  );
});

test('refuses an unknown $patch directive', () => {
  // Prepare
  const patch = node('kind: Deployment\nmetadata: {name: web}\nspec:\n  $patch: explode\n');

  // Act
  const act = () => strategicMergePatch(node(base), patch, deployment);

  // Assess
  assert.throws(act, /unknown patch strategy 'explode'/);
});

test('a value replacing a quoted one becomes a quoted string, as kustomize renders it', () => {
  // Prepare
  const target = node('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {version: "1", tier: web}\n');
  const patch = node('kind: Service\nmetadata:\n  name: s\n  labels: {version: 2, tier: 3}\n');

  // Act
  const result = strategicMergePatch(target, patch, service)?.toJSON() as { metadata: { labels: unknown } };

  // Assess
  assert.deepEqual(result.metadata.labels, { version: '2', tier: 3 });
});

test('a patch element without its merge key pairs with no target element (kustomize then empties the list)', () => {
  // Prepare
  const patch = node(
    'kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: sidecar, $patch: delete}\n        - {image: orphan:1}\n',
  );

  // Act
  const result = strategicMergePatch(node(base), patch, deployment);

  // Assess
  // Checked against kustomize build v5.7.1: the keyless element neither merges into "app" nor survives.
  assert.deepEqual(containers(result), []);
});
