// kustomize's legacy `vars`: what is substituted where, and the declarations kustomize refuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderKustomization } from '#shared/render/index.ts';
import { renderError, writeTree } from './tree.ts';

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n  - port: 5432\n';
const pod = (args: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: client\nspec:\n  containers:\n  - name: c\n    image: c\n    args: ${args}\n`;
const DB_VAR = 'vars:\n- name: DB\n  objref:\n    kind: Service\n    name: db\n    apiVersion: v1\n';

describe('vars', () => {
  it('substitutes the final, prefixed name of the referenced object', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'base/kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR}`,
      'base/r.yaml': `${SERVICE}---\n${pod('["--db=$(DB):5432"]')}`,
      'kustomization.yaml': 'resources:\n- base\nnamePrefix: prod-\n',
    });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.match(yaml, /- --db=prod-db:5432\n/);
  });

  it('keeps the type of a field that is the whole value', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml':
        'resources:\n- r.yaml\nvars:\n- name: PORT\n  objref:\n    kind: Service\n    name: db\n    apiVersion: v1\n  fieldref:\n    fieldpath: spec.ports[0].port\n',
      'r.yaml': `${SERVICE}---\n${pod('["$(PORT)", "p=$(PORT)"]')}`,
    });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.match(yaml, /args:\n {4}- 5432\n {4}- p=5432\n/);
  });

  it('leaves unknown references and escaped ones as written', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR}`,
      'r.yaml': `${SERVICE}---\n${pod('["$(OTHER)", "$$(DB)", "$(DB)"]')}`,
    });

    // Act
    const { yaml } = await renderKustomization({ root });

    // Assess
    assert.match(yaml, /args:\n {4}- \$\(OTHER\)\n {4}- \$\(DB\)\n {4}- db\n/);
  });

  it('refuses a var whose object is not in the build', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR.replace('name: db', 'name: cache')}`,
      'r.yaml': SERVICE,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: var "DB" .* cannot be mapped to a field of any object/);
  });

  it('matches the objref group and version exactly, as kustomize does', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- r.yaml\nvars:\n- name: DB\n  objref:\n    kind: Service\n    name: db\n',
      'r.yaml': SERVICE,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /var "DB" .* cannot be mapped/);
  });

  it('refuses a var declared twice in the tree', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'base/kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR}`,
      'base/r.yaml': SERVICE,
      'kustomization.yaml': `resources:\n- base\n${DB_VAR}`,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: var "DB" is declared more than once/);
  });

  it('refuses a var field that does not exist', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR}  fieldref:\n    fieldpath: spec.clusterIP\n`,
      'r.yaml': SERVICE,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /var "DB" .*field not found in Service db/);
  });

  it('refuses substituting into a list that holds non-strings', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': `resources:\n- r.yaml\n${DB_VAR}`,
      'r.yaml': `${SERVICE}---\n${pod('["$(DB)", 7]')}`,
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /Pod client: args holds a non-string value/);
  });
});
