import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localDataDir, localDataPaths } from '#shared/adapters/local/data-dir.ts';

test('the local data dir is TIDELINE_DATA_DIR when set', () => {
  // Act
  const dir = localDataDir({ TIDELINE_DATA_DIR: '/srv/tideline', XDG_STATE_HOME: '/x', HOME: '/home/u' });
  // Assess
  assert.equal(dir, '/srv/tideline');
});

test('without TIDELINE_DATA_DIR the local data dir is $XDG_STATE_HOME/tideline', () => {
  // Act
  const dir = localDataDir({ XDG_STATE_HOME: '/state', HOME: '/home/u' });
  // Assess
  assert.equal(dir, '/state/tideline');
});

test('without TIDELINE_DATA_DIR nor XDG_STATE_HOME the local data dir is ~/.local/state/tideline', () => {
  // Act
  const dir = localDataDir({ HOME: '/home/u' });
  // Assess
  assert.equal(dir, '/home/u/.local/state/tideline');
});

test('the data dir holds status.json, artifacts/, git-cache/ and dev.json', () => {
  // Act
  const paths = localDataPaths({ TIDELINE_DATA_DIR: '/d' });
  // Assess
  assert.deepEqual(paths, { dir: '/d', statusFile: '/d/status.json', artifactsDir: '/d/artifacts', gitCacheDir: '/d/git-cache', devFile: '/d/dev.json' });
});
