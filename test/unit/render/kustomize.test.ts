// kustomize behaviours that are easy to get subtly wrong: the generator hash, name references, ordering.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseDocument, type YAMLMap } from 'yaml';
import { renderKustomization } from '#shared/render/index.ts';
import { Resource } from '#shared/render/resource.ts';
import { generatorHash } from '#shared/render/transformers/hash-suffix.ts';
import { legacySort } from '#shared/render/transformers/sort.ts';
import { encodeBase64Lines, parseEnvFile } from '#shared/render/generators.ts';
import { splitFieldPath } from '#shared/render/replacements.ts';
import { parseSelector } from '#shared/render/patch.ts';
import { configMap, writeTree } from './tree.ts';

function resource(text: string): Resource {
  return new Resource(parseDocument(text).contents as YAMLMap, 'test.yaml');
}

describe('kustomize rules', () => {
  it('hashes ConfigMaps like kustomize (its own test vectors)', () => {
    // Prepare
    const configMaps = [
      'apiVersion: v1\nkind: ConfigMap\n',
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  one: ""\n',
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  two: 2\n  one: ""\n  three: 3\n',
    ];
    // Act
    const hashes = configMaps.map((text) => generatorHash(resource(text)));
    // Assess
    assert.deepEqual(hashes, ['6ct58987ht', '9g67k2htb6', '7757f9kkct']);
  });

  it('names generated ConfigMaps with the hash and rewrites references to them', async (t) => {
    // Prepare
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    configMap:\n      name: settings\n  containers:\n  - name: c\n    image: busybox\n';
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- pod.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - k=v\n',
      'pod.yaml': pod,
    });

    // Act
    const { yaml, objects } = await renderKustomization({ root });

    // Assess
    const name = objects.find((o) => o.kind === 'ConfigMap')?.name;
    assert.equal(name, 'settings-bdg947hgcc');
    assert.match(yaml, /configMap:\n {6}name: settings-bdg947hgcc\n/);
  });

  it('breaks long generated Secret values into 70-character lines as kustomize does', () => {
    // Act
    const encoded = encodeBase64Lines(Buffer.alloc(60, 'a'));

    // Assess
    assert.deepEqual(
      encoded.split('\n').map((line) => line.length),
      [70, 10, 0],
    );
  });

  it('parses env files, skipping comments and blank lines', () => {
    // Act
    const result = parseEnvFile('# comment\n\nA=1\nB=x=y\n', 'env');
    // Assess
    assert.deepEqual(result, [
      ['A', '1'],
      ['B', 'x=y'],
    ]);
  });

  it('reads an env file line without "=" as a key with an empty value', () => {
    // Act
    const result = parseEnvFile('FEATURE_FLAG\n  INDENTED\nA=1\n', 'env');
    // Assess
    assert.deepEqual(result, [
      ['FEATURE_FLAG', ''],
      ['INDENTED', ''],
      ['A', '1'],
    ]);
  });

  it('orders resources by kind priority, then group/version/kind, namespace and name', () => {
    // Prepare
    const make = (kind: string, name: string, apiVersion = 'v1'): Resource =>
      resource(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n`);
    const list = [
      make('Deployment', 'b', 'apps/v1'),
      make('ValidatingWebhookConfiguration', 'w', 'admissionregistration.k8s.io/v1'),
      make('Widget', 'x', 'ex.com/v1'),
      make('ConfigMap', 'z'),
      make('Namespace', 'ns'),
      make('ConfigMap', 'a'),
    ];

    // Act
    const sorted = legacySort(list).map((r) => `${r.kind}/${r.name}`);

    // Assess
    assert.deepEqual(sorted, ['Namespace/ns', 'ConfigMap/a', 'ConfigMap/z', 'Deployment/b', 'Widget/x', 'ValidatingWebhookConfiguration/w']);
  });

  it('keeps input order with sortOptions fifo', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'sortOptions:\n  order: fifo\nresources:\n- b.yaml\n- a.yaml\n',
      'a.yaml': configMap('a'),
      'b.yaml': configMap('b'),
    });

    // Act
    const { objects } = await renderKustomization({ root });

    // Assess
    assert.deepEqual(
      objects.map((o) => o.name),
      ['b', 'a'],
    );
  });

  it('splits replacement field paths on dots outside brackets', () => {
    // Act
    const result = splitFieldPath('metadata.annotations.[example.com/x].y');
    // Assess
    assert.deepEqual(result, ['metadata', 'annotations', '[example.com/x]', 'y']);
  });

  it('parses label selectors with equality, set and existence terms', () => {
    // Act
    const matches = parseSelector('app=web,tier in (front, edge),!legacy,team', 'k');

    // Assess
    assert.equal(matches({ app: 'web', tier: 'edge', team: 'x' }), true);
    assert.equal(matches({ app: 'web', tier: 'back', team: 'x' }), false);
    assert.equal(matches({ app: 'web', tier: 'edge', team: 'x', legacy: '1' }), false);
  });

  it('returns a sha256 digest of the bundle', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm') });

    // Act
    const { yaml, digest } = await renderKustomization({ root });

    // Assess
    assert.equal(digest, `sha256:${createHash('sha256').update(yaml).digest('hex')}`);
  });

  it('drops objects marked as local configuration', async (t) => {
    // Prepare
    const local = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  annotations:\n    config.kubernetes.io/local-config: "true"\n';
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- a.yaml\n- local.yaml\n', 'a.yaml': configMap('a'), 'local.yaml': local });

    // Act
    const { objects } = await renderKustomization({ root });

    // Assess
    assert.deepEqual(
      objects.map((o) => o.name),
      ['a'],
    );
  });
});
