// Bad input a hostile or careless repository can hold: each must end in a typed error naming the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configMap, renderError, writeTree } from './tree.ts';

describe('render refuses bad input', () => {
  it('refuses a resource path that climbs above the repository root', async (t) => {
    const root = await writeTree(t, { 'app/kustomization.yaml': 'resources:\n- ../../outside.yaml\n' });

    const error = await renderError({ root, path: 'app' });

    assert.match(error.message, /^app\/kustomization\.yaml: path "\.\.\/\.\.\/outside\.yaml" points outside the repository root/);
  });

  it('refuses an absolute resource path', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- /etc/passwd\n' });

    const error = await renderError({ root });

    assert.match(error.message, /kustomization\.yaml: absolute path "\/etc\/passwd" is not allowed/);
  });

  it('refuses a symlink pointing outside the root', async (t) => {
    const outside = await writeTree(t, { 'secret.yaml': configMap('stolen') });
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- link.yaml\n',
      'link.yaml': { symlink: `${outside}/secret.yaml` },
    });

    const error = await renderError({ root });

    assert.match(error.message, /"link\.yaml" is a symlink pointing outside the repository root/);
  });

  it('refuses a render path outside the root', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources: []\n' });

    const error = await renderError({ root, path: '../' });

    assert.match(error.message, /points outside the repository root/);
  });

  it('refuses remote bases', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- https://github.com/acme/base//deploy?ref=v1\n' });

    const error = await renderError({ root });

    assert.match(error.message, /kustomization\.yaml: remote base "https:\/\/github\.com\/acme\/base\/\/deploy\?ref=v1" is not allowed/);
  });

  it('refuses a remote base also when remote bases are allowed: the renderer never fetches', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- https://github.com/acme/base//deploy?ref=v1\n' });

    const error = await renderError({ root, allowRemoteBases: true });

    assert.match(error.message, /kustomization\.yaml: remote base "https:\/\/github\.com\/acme\/base\/\/deploy\?ref=v1" cannot be fetched by the renderer/);
  });

  it('refuses git SSH URLs as bases', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- git@github.com:acme/base.git\n' });

    const error = await renderError({ root });

    assert.match(error.message, /remote base "git@github\.com:acme\/base\.git" is not allowed/);
  });

  it('stops an alias bomb with an error naming the file and line', async (t) => {
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

    const error = await renderError({ root, limits: { maxAliasCount: 1000 } });

    assert.match(error.message, /^bomb\.yaml:\d+: YAML aliases expand to more than 1000 nodes/);
  });

  it('refuses a file over the size cap', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- big.yaml\n', 'big.yaml': configMap('big', { blob: 'x'.repeat(5000) }) });

    const error = await renderError({ root, limits: { maxFileBytes: 1024 } });

    assert.match(error.message, /^big\.yaml: file is \d+ bytes, over the 1024-byte limit/);
  });

  it('refuses more objects than the configured limit', async (t) => {
    const docs = Array.from({ length: 6 }, (_, i) => configMap(`cm-${i}`)).join('---\n');
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- many.yaml\n', 'many.yaml': docs });

    const error = await renderError({ root, limits: { maxObjects: 5 } });

    assert.match(error.message, /^kustomization\.yaml: bundle has more than 5 objects/);
  });

  it('refuses two objects with the same identity', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n', 'a.yaml': configMap('same'), 'b.yaml': configMap('same') });

    const error = await renderError({ root });

    assert.match(error.message, /^b\.yaml: duplicate object ConfigMap same \(also in a\.yaml\)/);
  });

  it('reports invalid YAML with its file and line', async (t) => {
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- broken.yaml\n',
      'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [unclosed\n',
    });

    const error = await renderError({ root });

    assert.match(error.message, /^broken\.yaml:\d+: invalid YAML/);
    assert.equal(error.source?.file, 'broken.yaml');
  });

  it('names an unknown kustomization field', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources: []\nnamePrefx: typo-\n' });

    const error = await renderError({ root });

    assert.match(error.message, /^kustomization\.yaml: unknown kustomization field "namePrefx"/);
  });

  it('refuses exec, Go and KRM-function plugins by name', async (t) => {
    const root = await writeTree(t, {
      'kustomization.yaml': 'transformers:\n- plugin.yaml\n',
      'plugin.yaml': 'apiVersion: someteam.example.com/v1\nkind: ChartRenderer\nmetadata:\n  name: render\n',
    });

    const error = await renderError({ root });

    assert.match(
      error.message,
      /^plugin\.yaml: transformers plugin ChartRenderer "render" \(apiVersion someteam\.example\.com\/v1\) is not a kustomize builtin/,
    );
  });

  it('refuses builtin plugins the renderer does not implement', async (t) => {
    const root = await writeTree(t, {
      'kustomization.yaml': 'generators:\n- helm.yaml\n',
      'helm.yaml': 'apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: chart\n',
    });

    const error = await renderError({ root });

    assert.match(error.message, /^helm\.yaml: builtin generator HelmChartInflationGenerator is not supported/);
  });

  it('refuses validator plugins', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'validators:\n- plugin.yaml\n' });

    const error = await renderError({ root });

    assert.match(error.message, /kustomization field "validators" is not supported/);
  });

  for (const [missing, manifest] of [
    ['apiVersion', 'kind: ConfigMap\nmetadata:\n  name: x\n'],
    ['kind', 'apiVersion: v1\nmetadata:\n  name: x\n'],
    ['metadata.name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n'],
  ] as const) {
    it(`refuses a resource without ${missing}`, async (t) => {
      const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- r.yaml\n', 'r.yaml': `${configMap('ok')}---\n${manifest}` });

      const error = await renderError({ root });

      assert.match(error.message, new RegExp(`^r\\.yaml:\\d+: object is missing ${missing.replace('.', '\\.')}`));
    });
  }

  it('refuses a cycle between kustomizations', async (t) => {
    const root = await writeTree(t, {
      'a/kustomization.yaml': 'resources:\n- ../b\n',
      'b/kustomization.yaml': 'resources:\n- ../a\n',
    });

    const error = await renderError({ root, path: 'a' });

    assert.match(error.message, /kustomization cycle: a -> b -> a/);
  });

  it('stops a tree that includes its bases exponentially many times', async (t) => {
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

    const error = await renderError({ root, path: 'l0a', limits: { maxFiles: 500 } });

    assert.match(error.message, /more than 500 kustomization builds/);
  });

  it('names unknown sections of transformer configurations', async (t) => {
    const root = await writeTree(t, {
      'kustomization.yaml': 'resources:\n- cm.yaml\nconfigurations:\n- config.yaml\n',
      'cm.yaml': configMap('cm'),
      'config.yaml': 'bogusReference:\n- path: spec/x\n',
    });

    const error = await renderError({ root });

    assert.match(error.message, /^config\.yaml:1: transformer configuration "bogusReference" is not supported/);
  });

  it('refuses a missing resource file by name', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'resources:\n- nope.yaml\n' });

    const error = await renderError({ root });

    assert.match(error.message, /^kustomization\.yaml: "nope\.yaml" does not exist/);
  });

  it('refuses patch target patterns that could backtrack forever', async (t) => {
    const root = await writeTree(t, {
      'kustomization.yaml':
        'resources:\n- cm.yaml\npatches:\n- target:\n    name: "(a+)+b"\n  patch: |-\n    [{"op": "add", "path": "/data/x", "value": "y"}]\n',
      'cm.yaml': configMap('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    });

    const error = await renderError({ root });

    assert.match(error.message, /pattern "\(a\+\)\+b" nests repetitions/);
  });

  it('refuses a strict substitution of an unset variable, naming it', async (t) => {
    const root = await writeTree(t, { 'cm.yaml': configMap('cm', { region: '${REGION}', zone: '${ZONE}' }) });

    const error = await renderError({ root, flux: { postBuild: { substitute: { REGION: 'eu' }, strict: true } } });

    assert.match(error.message, /variable "ZONE" is not set/);
  });
});

describe('render refuses entries that name a file where a directory is needed', () => {
  it('refuses a component that is a file with a typed error, not a filesystem error', async (t) => {
    const root = await writeTree(t, { 'kustomization.yaml': 'components:\n- r.yaml\n', 'r.yaml': configMap('cm') });

    const error = await renderError({ root });

    assert.match(error.message, /r\.yaml/);
  });
});
