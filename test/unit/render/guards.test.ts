// Bad input a hostile or careless repository can hold: each must end in a typed error naming the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configMap, configMapTree, renderError, writeTree } from './tree.ts';

describe('render refuses bad input', () => {
  it('refuses a resource path that climbs above the repository root', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'app/kustomization.yaml': 'resources:\n- ../../outside.yaml\n' });

    // Act
    const error = await renderError({ root, path: 'app' });

    // Assess
    assert.match(error.message, /^app\/kustomization\.yaml: path "\.\.\/\.\.\/outside\.yaml" points outside the repository root/);
  });

  it('refuses an absolute resource path', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- /etc/passwd\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /kustomization\.yaml: absolute path "\/etc\/passwd" is not allowed/);
  });

  it('refuses a symlink pointing outside the root', async (t) => {
    // Prepare
    const outside = await writeTree(t, { 'secret.yaml': configMap('stolen') });
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- link.yaml\n',
      'link.yaml': { symlink: `${outside}/secret.yaml` },
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /"link\.yaml" is a symlink pointing outside the repository root/);
  });

  it('refuses a render path outside the root', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources: []\n' });

    // Act
    const error = await renderError({ root, path: '../' });

    // Assess
    assert.match(error.message, /points outside the repository root/);
  });

  it('refuses remote bases', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- https://github.com/acme/base//deploy?ref=v1\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /kustomization\.yaml: remote base "https:\/\/github\.com\/acme\/base\/\/deploy\?ref=v1" is not allowed/);
  });

  it('refuses a remote base also when remote bases are allowed: the renderer never fetches', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- https://github.com/acme/base//deploy?ref=v1\n' });

    // Act
    const error = await renderError({ root, allowRemoteBases: true });

    // Assess
    assert.match(error.message, /kustomization\.yaml: remote base "https:\/\/github\.com\/acme\/base\/\/deploy\?ref=v1" cannot be fetched by the renderer/);
  });

  it('refuses git SSH URLs as bases', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- git@github.com:acme/base.git\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /remote base "git@github\.com:acme\/base\.git" is not allowed/);
  });

  it('stops an alias bomb with an error naming the file and line', async (t) => {
    // Prepare
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: bomb}',
      'data:',
      '  a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      '  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      '  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      '  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      '  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '  f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- bomb.yaml\n', 'bomb.yaml': bomb });

    // Act
    const error = await renderError({ root, limits: { maxAliasCount: 1000 } });

    // Assess
    assert.match(error.message, /^bomb\.yaml:\d+: YAML aliases expand to more than 1000 nodes/);
  });

  it('refuses a file over the size cap', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- big.yaml\n', 'big.yaml': configMap('big', { blob: 'x'.repeat(5000) }) });

    // Act
    const error = await renderError({ root, limits: { maxFileBytes: 1024 } });

    // Assess
    assert.match(error.message, /^big\.yaml: file is \d+ bytes, over the 1024-byte limit/);
  });

  it('refuses more objects than the configured limit', async (t) => {
    // Prepare
    const docs = Array.from({ length: 6 }, (_, i) => configMap(`cm-${i}`)).join('---\n');
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- many.yaml\n', 'many.yaml': docs });

    // Act
    const error = await renderError({ root, limits: { maxObjects: 5 } });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: bundle has more than 5 objects/);
  });

  it('refuses two objects with the same identity', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n', 'a.yaml': configMap('same'), 'b.yaml': configMap('same') });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^b\.yaml: duplicate object ConfigMap same \(also in a\.yaml\)/);
  });

  it('reports invalid YAML with its file and line', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- broken.yaml\n',
      'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [unclosed\n',
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^broken\.yaml:\d+: invalid YAML/);
    assert.equal(error.source?.file, 'broken.yaml');
  });

  it('names an unknown kustomization field', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources: []\nnamePrefx: typo-\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: unknown kustomization field "namePrefx"/);
  });

  it('refuses exec, Go and KRM-function plugins by name', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'transformers:\n- plugin.yaml\n',
      'plugin.yaml': 'apiVersion: someteam.example.com/v1\nkind: ChartRenderer\nmetadata:\n  name: render\n',
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(
      error.message,
      /^plugin\.yaml: transformers plugin ChartRenderer "render" \(apiVersion someteam\.example\.com\/v1\) is not a kustomize builtin/,
    );
  });

  it('refuses builtin plugins the renderer does not implement', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml': 'generators:\n- helm.yaml\n',
      'helm.yaml': 'apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: chart\n',
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^helm\.yaml: builtin generator HelmChartInflationGenerator is not supported/);
  });

  it('refuses validator plugins', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'validators:\n- plugin.yaml\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /kustomization field "validators" is not supported/);
  });

  for (const [missing, manifest] of [
    ['apiVersion', 'kind: ConfigMap\nmetadata:\n  name: x\n'],
    ['kind', 'apiVersion: v1\nmetadata:\n  name: x\n'],
    ['metadata.name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n'],
  ] as const) {
    it(`refuses a resource without ${missing}`, async (t) => {
      // Prepare
      const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- r.yaml\n', 'r.yaml': `${configMap('ok')}---\n${manifest}` });

      // Act
      const error = await renderError({ root });

      // Assess
      assert.match(error.message, new RegExp(`^r\\.yaml:\\d+: object is missing ${missing.replace('.', '\\.')}`));
    });
  }

  it('refuses a cycle between kustomizations', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'a/kustomization.yaml': 'resources:\n- ../b\n',
      'b/kustomization.yaml': 'resources:\n- ../a\n',
    });

    // Act
    const error = await renderError({ root, path: 'a' });

    // Assess
    assert.match(error.message, /kustomization cycle: a -> b -> a/);
  });

  it('stops a tree that includes its bases exponentially many times', async (t) => {
    // Prepare
    const files: Record<string, string> = {
      'l12a/kustomization.yaml': 'resources:\n- cm.yaml\n',
      'l12a/cm.yaml': configMap('cm'),
      'l12b/kustomization.yaml': 'resources:\n- ../l12a\nnameSuffix: -b\n',
    };
    for (let level = 11; level >= 0; level--) {
      files[`l${level}a/kustomization.yaml`] = `resources:\n- ../l${level + 1}a\n- ../l${level + 1}b\nnamePrefix: a${level}-\n`;
      files[`l${level}b/kustomization.yaml`] = `resources:\n- ../l${level + 1}a\n- ../l${level + 1}b\nnamePrefix: b${level}-\n`;
    }
    const root = await writeTree(t, files);

    // Act
    const error = await renderError({ root, path: 'l0a', limits: { maxFiles: 500 } });

    // Assess
    assert.match(error.message, /more than 500 kustomization builds/);
  });

  it('names unknown sections of transformer configurations', async (t) => {
    // Prepare
    const root = await writeTree(
      t,
      configMapTree('cm', 'configurations:\n- config.yaml\n', {
        'config.yaml': 'bogusReference:\n- path: spec/x\n',
      }),
    );

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^config\.yaml:1: transformer configuration "bogusReference" is not supported/);
  });

  it('refuses a missing resource file by name', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- nope.yaml\n' });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /^kustomization\.yaml: "nope\.yaml" does not exist/);
  });

  it('refuses patch target patterns that could backtrack forever', async (t) => {
    // Prepare
    const root = await writeTree(t, {
      'kustomization.yaml':
        'resources:\n- cm.yaml\npatches:\n- target:\n    name: "(a+)+b"\n  patch: |-\n    [{"op": "add", "path": "/data/x", "value": "y"}]\n',
      'cm.yaml': configMap('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /pattern "\(a\+\)\+b" nests repetitions/);
  });

  it('refuses a strict substitution of an unset variable, naming it', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'cm.yaml': configMap('cm', { region: '${REGION}', zone: '${ZONE}' }) });

    // Act
    const error = await renderError({ root, flux: { postBuild: { substitute: { REGION: 'eu' }, strict: true } } });

    // Assess
    assert.match(error.message, /variable "ZONE" is not set/);
  });
});

describe('render refuses entries that name a file where a directory is needed', () => {
  it('refuses a component that is a file with a typed error, not a filesystem error', async (t) => {
    // Prepare
    const root = await writeTree(t, { 'kustomization.yaml': 'components:\n- r.yaml\n', 'r.yaml': configMap('cm') });

    // Act
    const error = await renderError({ root });

    // Assess
    assert.match(error.message, /r\.yaml/);
  });
});
