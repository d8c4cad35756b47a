// Builtin plugin configurations under `transformers:`/`generators:` and extra `configurations` sections.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderKustomization } from '#shared/render/index.ts';
import { configMap, configMapTree, renderError, writeTree } from './tree.ts';

describe('builtin plugin configurations', () => {
  it('applies a label transformer only to the fields its fieldSpecs name', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- cm.yaml\ntransformers:\n- labels.yaml\n',
      'cm.yaml': configMap('settings'),
      'labels.yaml':
        'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: team\nlabels:\n  team: web\nfieldSpecs:\n- path: metadata/labels\n  create: true\n',
    });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.match(yaml, /metadata:\n {2}labels:\n {4}team: web\n {2}name: settings\n/);
  });

  it('refuses an inline plugin that is not a builtin', async (t) => {
    // Prepare
    const root = await writeTree(
      t,
      configMapTree('settings', 'transformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Sops\n  metadata:\n    name: decrypt\n'),
    );

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: transformers plugin Sops "decrypt" \(apiVersion example\.com\/v1\) is not a kustomize builtin/);
  });

  it('refuses an unknown NamespaceTransformer subject mode', async (t) => {
    // Prepare
    const root = await writeTree(
      t,
      configMapTree('settings', 'transformers:\n- ns.yaml\n', {
        'ns.yaml': 'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: shop\nsetRoleBindingSubjects: everything\n',
      }),
    );

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^ns\.yaml: NamespaceTransformer "ns": setRoleBindingSubjects must be/);
  });

  it('keeps namespaces already set when a NamespaceTransformer is unsetOnly', async (t) => {
    // Prepare
    const root = await writeTree(
      t,
      configMapTree('settings', '- other.yaml\ntransformers:\n- ns.yaml\n', {
        'other.yaml': `${configMap('pinned')}`.replace('  name: pinned\n', '  name: pinned\n  namespace: tools\n'),
        'ns.yaml': 'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: shop\nunsetOnly: true\n',
      }),
    );

    // Act
    const { objects } = await renderKustomization({ root });

    // Assess
    assert.deepEqual(
      objects.map((o) => `${o.name}/${o.namespace ?? ''}`),
      ['settings/shop', 'pinned/tools'],
    );
  });
});

describe('configurations sections', () => {
  it('adds the name prefix to configured fields without treating them as names', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- job.yaml\nnamePrefix: eu-\nconfigurations:\n- config.yaml\n',
      'job.yaml': 'apiVersion: ci.example.com/v1\nkind: Pipeline\nmetadata:\n  name: build\nspec:\n  queue: main\n',
      'config.yaml': 'namePrefix:\n- kind: Pipeline\n  path: spec/queue\n',
    });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.match(yaml, /name: eu-build\nspec:\n {2}queue: eu-main\n/);
  });
});

describe('replica counts', () => {
  it('refuses a replica count naming no scalable object, as kustomize does', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- cm.yaml\nreplicas:\n- name: web\n  count: 2\n', 'cm.yaml': configMap('web') });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: replicas: no Deployment, ReplicationController, ReplicaSet, StatefulSet named "web"/);
  });
});
