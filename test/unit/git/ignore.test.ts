import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceIgnoreMatcher, readIgnoreRules, sortSourceIgnoreFiles } from '#shared/git/ignore.ts';

test("with no rule of the user's, Flux's default excludes apply: VCS files, images, CI config, .sops.yaml, archives", () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher([]);
  for (const path of ['.gitignore', 'logo.png', 'docs/diagram.jpg', '.github/workflows/ci.yaml', 'apps/.sops.yaml', 'release.tar.gz']) {
    // Act
    const excluded = matcher.excludes(path);
    // Assess
    assert.equal(excluded, true, path);
  }
  assert.equal(matcher.replacedDefaults, false);
});

test("with no rule of the user's, manifests, .sourceignore and documentation are kept", () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher([]);
  for (const path of ['apps/deploy.yaml', '.sourceignore', 'README.md']) {
    // Act
    const excluded = matcher.excludes(path);
    // Assess
    assert.equal(excluded, false, path);
  }
});

test('spec.ignore replaces the default excludes', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher([], 'docs/\n');
  // Act
  const excluded = { docs: matcher.excludes('docs/a.yaml'), image: matcher.excludes('logo.png') };
  // Assess
  assert.equal(matcher.replacedDefaults, true);
  assert.deepEqual(excluded, { docs: true, image: false });
});

test('spec.ignore does not replace the VCS excludes', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher([], 'docs/\n');
  // Act
  const excluded = matcher.excludes('.gitignore');
  // Assess
  assert.equal(excluded, true);
});

test('an anchored .sourceignore rule is relative to its directory', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher(readIgnoreRules('# tests\n\n/local.yaml\n', 'apps'));
  // Act
  const excluded = { inDirectory: matcher.excludes('apps/local.yaml'), atRoot: matcher.excludes('local.yaml') };
  // Assess
  assert.deepEqual(excluded, { inDirectory: true, atRoot: false });
});

test('an unanchored .sourceignore rule matches anywhere below its directory, not above it', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher(readIgnoreRules('*.tmp\n', 'apps'));
  // Act
  const excluded = { below: matcher.excludes('apps/sub/x.tmp'), above: matcher.excludes('x.tmp') };
  // Assess
  assert.deepEqual(excluded, { below: true, above: false });
});

test('the last matching rule wins', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher(readIgnoreRules('*.yaml\n!keep.yaml\n'));
  // Act
  const excluded = { drop: matcher.excludes('drop.yaml'), keep: matcher.excludes('keep.yaml') };
  // Assess
  assert.deepEqual(excluded, { drop: true, keep: false });
});

test('spec.ignore overrules .sourceignore', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher(readIgnoreRules('*.yaml\n'), '!drop.yaml\n');
  // Act
  const excluded = matcher.excludes('drop.yaml');
  // Assess
  assert.equal(excluded, false);
});

test('unlike git, a file can be re-included inside an excluded directory, as in Flux', () => {
  // Prepare
  const matcher = new SourceIgnoreMatcher([], 'secrets/\n!secrets/public.yaml\n');
  // Act
  const excluded = { private: matcher.excludes('secrets/private.yaml'), public: matcher.excludes('secrets/public.yaml') };
  // Assess
  assert.deepEqual(excluded, { private: true, public: false });
});

test('.sourceignore files are ordered root first, then depth-first by directory name', () => {
  // Prepare
  const files = ['b/.sourceignore', 'a/z/.sourceignore', '.sourceignore', 'a/.sourceignore', 'a-b/.sourceignore'];
  // Act
  const sorted = sortSourceIgnoreFiles(files);
  // Assess
  assert.deepEqual(sorted, ['.sourceignore', 'a/.sourceignore', 'a/z/.sourceignore', 'a-b/.sourceignore', 'b/.sourceignore']);
});
