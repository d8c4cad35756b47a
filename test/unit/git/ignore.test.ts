import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceIgnoreMatcher, readIgnoreRules, sortSourceIgnoreFiles } from '#shared/git/ignore.ts';

test("with no rule of the user's, Flux's default excludes apply", () => {
  const matcher = new SourceIgnoreMatcher([]);

  assert.equal(matcher.replacedDefaults, false);
  for (const path of ['.gitignore', 'logo.png', 'docs/diagram.jpg', '.github/workflows/ci.yaml', 'apps/.sops.yaml', 'release.tar.gz']) assert.ok(matcher.excludes(path), path);
  for (const path of ['apps/deploy.yaml', '.sourceignore', 'README.md']) assert.equal(matcher.excludes(path), false, path);
});

test('spec.ignore replaces the default excludes but not the VCS ones', () => {
  const matcher = new SourceIgnoreMatcher([], 'docs/\n');

  assert.equal(matcher.replacedDefaults, true);
  assert.ok(matcher.excludes('docs/a.yaml'));
  assert.equal(matcher.excludes('logo.png'), false);
  assert.ok(matcher.excludes('.gitignore'));
});

test('a .sourceignore rule is relative to its directory', () => {
  const matcher = new SourceIgnoreMatcher(readIgnoreRules('# tests\n\n/local.yaml\n*.tmp\n', 'apps'));

  assert.ok(matcher.excludes('apps/local.yaml'));
  assert.equal(matcher.excludes('local.yaml'), false);
  assert.ok(matcher.excludes('apps/sub/x.tmp'));
  assert.equal(matcher.excludes('x.tmp'), false);
});

test('the last matching rule wins, and spec.ignore overrules .sourceignore', () => {
  const rules = readIgnoreRules('*.yaml\n!keep.yaml\n');

  assert.ok(new SourceIgnoreMatcher(rules).excludes('drop.yaml'));
  assert.equal(new SourceIgnoreMatcher(rules).excludes('keep.yaml'), false);
  assert.equal(new SourceIgnoreMatcher(rules, '!drop.yaml\n').excludes('drop.yaml'), false);
});

test('unlike git, a file can be re-included inside an excluded directory, as in Flux', () => {
  const matcher = new SourceIgnoreMatcher([], 'secrets/\n!secrets/public.yaml\n');

  assert.ok(matcher.excludes('secrets/private.yaml'));
  assert.equal(matcher.excludes('secrets/public.yaml'), false);
});

test('.sourceignore files are ordered root first, then depth-first by directory name', () => {
  assert.deepEqual(sortSourceIgnoreFiles(['b/.sourceignore', 'a/z/.sourceignore', '.sourceignore', 'a/.sourceignore', 'a-b/.sourceignore']), [
    '.sourceignore',
    'a/.sourceignore',
    'a/z/.sourceignore',
    'a-b/.sourceignore',
    'b/.sourceignore',
  ]);
});
