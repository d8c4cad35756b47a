// Flux's build rules: generated kustomization for plain directories, Kustomization fields, postBuild substitution.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization, substituteVariables } from '#shared/render/index.ts';
import { configMap, writeTree } from './tree.ts';

describe('postBuild substitution', () => {
  const substitutions: { name: string; text: string; variables: Record<string, string>; expected: string }[] = [
    { name: 'replaces ${var} with its value', text: 'region: ${REGION}', variables: { REGION: 'eu-west-1' }, expected: 'region: eu-west-1' },
    { name: 'keeps the value over the default when the variable is set', text: '${A:=one}', variables: { A: 'set' }, expected: 'set' },
    { name: 'expands variables nested in defaults', text: '${A:=${B}-x}', variables: { B: 'b' }, expected: 'b-x' },
    { name: 'treats $${var} as an escaped literal ${var}', text: 'keep: $${HOME} set: ${A}', variables: { A: '1' }, expected: 'keep: ${HOME} set: 1' },
    { name: 'leaves bare $var alone (only braces substitute)', text: 'echo $HOME ${A}', variables: { A: 'x' }, expected: 'echo $HOME x' },
    { name: 'replaces unset variables with nothing when not strict', text: 'v: "${MISSING}"', variables: { A: 'x' }, expected: 'v: ""' },
    { name: 'drops newlines from values, as Flux does', text: '${A}', variables: { A: 'a\nb' }, expected: 'ab' },
  ];
  for (const { name, text, variables, expected } of substitutions) {
    it(name, () => {
      // Act
      const result = substituteVariables(text, variables, false, 'f');
      // Assess
      assert.equal(result, expected);
    });
  }

  it('uses the default of ${var:=default} and ${var:-default} when the variable is unset or empty', () => {
    // Prepare
    const text = 'a: ${A:=one} b: ${B:-two} c: ${C:-three}';

    // Act
    const result = substituteVariables(text, { C: '' }, false, 'f');

    // Assess
    assert.equal(result, 'a: one b: two c: three');
  });

  it('errors on an unset variable in strict mode, naming it', () => {
    // Act
    const act = () => substituteVariables('v: ${MISSING}', { A: 'x' }, true, 'f');
    // Assess
    assert.throws(act, (error) => error instanceof InvalidInputError && /"MISSING" is not set/.test(error.message));
  });

  it('refuses invalid variable names', () => {
    // Act
    const act = () => substituteVariables('v', { '1BAD': 'x' }, false, 'f');
    // Assess
    assert.throws(act, /variable name "1BAD" is invalid/);
  });

  it('types substituted values with YAML 1.1 rules, as Flux re-reads them', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'app.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${REPLICAS}\n  paused: ${PAUSED}\n',
    });

    // Act
    const { yaml } = await renderKustomization({ root, flux: { postBuild: { substitute: { REPLICAS: '3', PAUSED: 'yes' } } } });

    // Assess
    assert.match(yaml, /\n {2}paused: true\n {2}replicas: 3\n/);
  });

  it('skips objects annotated or labelled kustomize.toolkit.fluxcd.io/substitute: disabled', async (t) => {
    // Prepare
    const annotated =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  v: ${X}\n';
    const labelled =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  v: ${X}\n';
    const plain = configMap('c', { v: '${X}' });
    const root = await writeTree(t, { 'a.yaml': annotated, 'b.yaml': labelled, 'c.yaml': plain });

    // Act
    const { yaml } = await renderKustomization({ root, flux: { postBuild: { substitute: { X: 'done' } } } });

    // Assess
    assert.equal((yaml.match(/v: \$\{X\}/g) ?? []).length, 2);
    assert.match(yaml, /v: done/);
  });

  it('substitutes in names and reports the substituted identity', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('app-${ENV}') });

    // Act
    const { objects } = await renderKustomization({ root, flux: { postBuild: { substitute: { ENV: 'prod' } } } });

    // Assess
    assert.deepEqual(objects, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'app-prod' }]);
  });
});

describe('directories without a kustomization', () => {
  it('renders every YAML file below the directory, recursing, in a stable order', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'apps/b.yaml': configMap('b'),
      'apps/a.yml': configMap('a'),
      'apps/nested/deeper/c.yaml': configMap('c'),
      'apps/notes.txt': 'not yaml',
    });

    // Act
    const { objects } = await renderKustomization({ root, path: 'apps', flux: {} });

    // Assess
    assert.deepEqual(
      objects.map((o) => o.name),
      ['a', 'b', 'c'],
    );
  });

  it('builds sub-directories that have their own kustomization as a whole', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'apps/plain.yaml': configMap('plain'),
      'apps/overlay/kustomization.yaml': 'namePrefix: ov-\nresources:\n- cm.yaml\n',
      'apps/overlay/cm.yaml': configMap('cm'),
      'apps/overlay/ignored.yaml': configMap('not-listed'),
    });

    // Act
    const { objects } = await renderKustomization({ root, path: 'apps' });

    // Assess
    assert.deepEqual(objects.map((o) => o.name).sort(), ['ov-cm', 'plain']);
  });

  it('leaves out the CI and tool files Flux excludes from artifacts', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'apps/cm.yaml': configMap('cm'),
      'apps/.gitlab-ci.yml': 'stages: [build]\n',
      'apps/.github/workflows/ci.yaml': 'on: push\n',
      'apps/.sops.yaml': 'creation_rules: []\n',
    });

    // Act
    const { objects } = await renderKustomization({ root, path: 'apps' });

    // Assess
    assert.deepEqual(
      objects.map((o) => o.name),
      ['cm'],
    );
  });

  it('refuses a YAML file that is not a Kubernetes object', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'apps/values.yaml': 'replicaCount: 2\n' });

    // Act
    const attempt = renderKustomization({ root, path: 'apps' });

    // Assess
    await assert.rejects(attempt, /values\.yaml:1: object is missing apiVersion, kind, metadata\.name/);
  });
});

describe('Flux Kustomization fields', () => {
  it('targetNamespace overrides the namespace of every namespaced object', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'namespace: old\nresources:\n- cm.yaml\n', 'cm.yaml': configMap('cm') });

    // Act
    const { objects } = await renderKustomization({ root, flux: { targetNamespace: 'team-a' } });

    // Assess
    assert.equal(objects[0]?.namespace, 'team-a');
  });

  it('an empty kustomization that Flux gives a targetNamespace is no longer empty and builds', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n' });

    // Act
    const rendered = await renderKustomization({ root, flux: { targetNamespace: 'team-a' } });

    // Assess
    assert.equal(rendered.yaml, '');
  });

  it('applies namePrefix/nameSuffix and rewrites references', async (t) => {
    // Prepare
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    envFrom:\n    - configMapRef:\n        name: cm\n';
    const root = await writeTree(t, { 'cm.yaml': configMap('cm'), 'pod.yaml': pod });

    // Act
    const { yaml } = await renderKustomization({ root, flux: { namePrefix: 'pre-', nameSuffix: '-suf' } });

    // Assess
    assert.match(yaml, /configMapRef:\n {8}name: pre-cm-suf\n/);
  });

  it('sets images, replacing an entry for the same image from the kustomization', async (t) => {
    // Prepare
    const deploy =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.0\n';
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- d.yaml\nimages:\n- name: nginx\n  newTag: "1.1"\n', 'd.yaml': deploy });

    // Act
    const { yaml } = await renderKustomization({ root, flux: { images: [{ name: 'nginx', newName: 'registry.example.com/nginx', newTag: '2.0' }] } });

    // Assess
    assert.match(yaml, /image: registry\.example\.com\/nginx:2\.0\n/);
  });

  it('appends Flux patches to the kustomization', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm') });
    const patch = '[{"op": "add", "path": "/data/extra", "value": "yes-please"}]';

    // Act
    const { yaml } = await renderKustomization({ root, flux: { patches: [{ patch, target: { kind: 'ConfigMap' } }] } });

    // Assess
    assert.match(yaml, /extra: yes-please\n/);
  });

  it('adds Flux components', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'app/kustomization.yaml': 'resources:\n- cm.yaml\n',
      'app/cm.yaml': configMap('cm'),
      'components/labels/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  team: shop\n',
    });

    // Act
    const { yaml } = await renderKustomization({ root, path: 'app', flux: { components: ['../components/labels'] } });

    // Assess
    assert.match(yaml, /labels:\n {4}team: shop\n/);
  });
});
