import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localDataDir, localDataPaths } from '#shared/adapters/local/data-dir.ts';

test('the local data dir is TIDELINE_DATA_DIR when set', () => {
  assert.equal(localDataDir({ TIDELINE_DATA_DIR: '/srv/tideline', XDG_STATE_HOME: '/x', HOME: '/home/u' }), '/srv/tideline');
});

test('without TIDELINE_DATA_DIR it is $XDG_STATE_HOME/tideline, else ~/.local/state/tideline', () => {
  assert.equal(localDataDir({ XDG_STATE_HOME: '/state', HOME: '/home/u' }), '/state/tideline');
  assert.equal(localDataDir({ HOME: '/home/u' }), '/home/u/.local/state/tideline');
});

test('the data dir holds status.json, artifacts/, git-cache/ and dev.json', () => {
  assert.deepEqual(localDataPaths({ TIDELINE_DATA_DIR: '/d' }), {
    dir: '/d',
    statusFile: '/d/status.json',
    artifactsDir: '/d/artifacts',
    gitCacheDir: '/d/git-cache',
    devFile: '/d/dev.json',
  });
});
