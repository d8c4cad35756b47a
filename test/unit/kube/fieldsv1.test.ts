// Walking managedFields (FieldsV1) sets together with the objects they describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasPath, leafPaths, setHolds, withoutPath } from '#shared/kube/fieldsv1.ts';

const PORT_80 = 'k:{"containerPort":80,"protocol":"TCP"}';
const PORT_80_UDP = 'k:{"containerPort":80,"protocol":"UDP"}';

const deploymentFields = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:selector': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { [PORT_80]: { '.': {}, 'f:containerPort': {} } } },
        },
      },
    },
  },
};

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/a', 'example.com/b'] },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        spec: {
          containers: [
            {
              name: 'main',
              image: 'nginx',
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 80, protocol: 'UDP' },
              ],
            },
            { name: 'sidecar', image: 'envoy', args: ['--a', '--b'] },
          ],
        },
      },
    },
  };
}

const CONTAINER_PORTS = ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"main"}', 'f:ports'];

test('leafPaths lists the leaves of a set and the nodes marked "." before the fields under them', () => {
  // Act
  const paths = leafPaths(deploymentFields).map((p) => p.join(' / '));
  // Assess
  assert.deepEqual(paths, [
    'f:metadata / f:labels',
    'f:metadata / f:labels / f:app',
    'f:spec / f:selector',
    'f:spec / f:template / f:spec / f:containers / k:{"name":"main"}',
    'f:spec / f:template / f:spec / f:containers / k:{"name":"main"} / f:image',
    'f:spec / f:template / f:spec / f:containers / k:{"name":"main"} / f:name',
    `f:spec / f:template / f:spec / f:containers / k:{"name":"main"} / f:ports / ${PORT_80}`,
    `f:spec / f:template / f:spec / f:containers / k:{"name":"main"} / f:ports / ${PORT_80} / f:containerPort`,
  ]);
});

test('leafPaths of an empty set is empty', () => {
  // Act
  const paths = leafPaths({});
  // Assess
  assert.deepEqual(paths, []);
});

test('hasPath finds a list-map element by a multi-key k: step', () => {
  // Act
  const tcp = hasPath(deployment(), [...CONTAINER_PORTS, PORT_80, 'f:containerPort']);
  const sctp = hasPath(deployment(), [...CONTAINER_PORTS, 'k:{"containerPort":80,"protocol":"SCTP"}']);
  // Assess
  assert.equal(tcp, true);
  assert.equal(sctp, false);
});

test('hasPath compares every key field of a k: step (a missing key field does not match)', () => {
  // Prepare
  const object = { ports: [{ containerPort: 80 }] };
  // Act
  const found = hasPath(object, ['f:ports', PORT_80]);
  // Assess
  assert.equal(found, false);
});

test('hasPath finds set elements by v: and atomic-list elements by i:', () => {
  // Act
  const finalizer = hasPath(deployment(), ['f:metadata', 'f:finalizers', 'v:"example.com/b"']);
  const missing = hasPath(deployment(), ['f:metadata', 'f:finalizers', 'v:"example.com/c"']);
  const arg = hasPath(deployment(), ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"sidecar"}', 'f:args', 'i:1']);
  const outOfRange = hasPath(deployment(), ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"sidecar"}', 'f:args', 'i:2']);
  // Assess
  assert.deepEqual([finalizer, missing, arg, outOfRange], [true, false, true, false]);
});

test('hasPath is false for paths absent from the object or that go through a scalar', () => {
  // Act
  const absent = hasPath(deployment(), ['f:spec', 'f:replicas']);
  const throughScalar = hasPath(deployment(), ['f:kind', 'f:name']);
  const malformedKey = hasPath(deployment(), [...CONTAINER_PORTS, 'k:{not json']);
  // Assess
  assert.deepEqual([absent, throughScalar, malformedKey], [false, false, false]);
});

test('withoutPath removes exactly the list-map element named by a multi-key k: step', () => {
  // Prepare
  const object = deployment();
  // Act
  const result = withoutPath(object, [...CONTAINER_PORTS, PORT_80_UDP]);
  // Assess
  const containers = (result as { spec: { template: { spec: { containers: { ports?: unknown }[] } } } }).spec.template.spec.containers;
  assert.deepEqual(containers[0]?.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.equal(containers.length, 2);
});

test('withoutPath removes a nested field and leaves its emptied map in place', () => {
  // Prepare
  const object = deployment();
  // Act
  const result = withoutPath(object, ['f:metadata', 'f:labels', 'f:app']) as { metadata: { labels: unknown; name: string } };
  // Assess
  assert.deepEqual(result.metadata.labels, {});
  assert.equal(result.metadata.name, 'web');
});

test('withoutPath removes a set element named by v:', () => {
  // Act
  const result = withoutPath(deployment(), ['f:metadata', 'f:finalizers', 'v:"example.com/a"']) as { metadata: { finalizers: string[] } };
  // Assess
  assert.deepEqual(result.metadata.finalizers, ['example.com/b']);
});

test('withoutPath leaves its input untouched and returns it as is when the path is absent', () => {
  // Prepare
  const object = deployment();
  const before = structuredClone(object);
  // Act
  const removed = withoutPath(object, [...CONTAINER_PORTS, PORT_80]);
  const absent = withoutPath(object, ['f:data', 'f:b']);
  // Assess
  assert.deepEqual(object, before);
  assert.notDeepEqual(removed, before);
  assert.equal(absent, object);
});

test('setHolds is true for a path in the set and for a node with owned fields under it', () => {
  // Act
  const leaf = setHolds(deploymentFields, ['f:metadata', 'f:labels', 'f:app']);
  const parent = setHolds(deploymentFields, ['f:spec', 'f:template']);
  // Assess
  assert.deepEqual([leaf, parent], [true, true]);
});

test('setHolds is true under a node owned as a whole (atomic) and false for fields the set lacks', () => {
  // Act
  const underAtomic = setHolds(deploymentFields, ['f:spec', 'f:selector', 'f:matchLabels', 'f:app']);
  const other = setHolds(deploymentFields, ['f:metadata', 'f:labels', 'f:team']);
  const otherPort = setHolds(deploymentFields, [...CONTAINER_PORTS, PORT_80_UDP]);
  const emptySet = setHolds({}, ['f:data', 'f:a']);
  // Assess
  assert.deepEqual([underAtomic, other, otherPort, emptySet], [true, false, false, false]);
});
