import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { registerGet } from '#shared/cli/commands/get.ts';
import { captureIo, dataDir, runVerbs } from './helpers.ts';

const sha = (c: string): string => c.repeat(40);
const since = '2026-01-02T03:04:05.000Z';

async function seededStore(dir: string): Promise<FileStatusStore> {
  const store = new FileStatusStore(join(dir, 'status.json'));
  await store.updateKustomization(
    { cluster: 'dev', namespace: 'flux-system', name: 'apps' },
    {
      lastAppliedRevision: `main@sha1:${sha('a')}`,
      lastAttemptedRevision: `main@sha1:${sha('b')}`,
      ready: { status: 'False', reason: 'BuildFailed', message: 'apps/web.yaml:3: mapping values are not allowed', since },
      inventorySize: 4,
      lastChangeSet: { counts: { Created: 0, Configured: 1, Unchanged: 3, Deleted: 0, Skipped: 0 }, entries: [], omitted: 0 },
    },
  );
  await store.updateKustomization(
    { cluster: 'prod', namespace: 'flux-system', name: 'infrastructure' },
    {
      lastAppliedRevision: `v1.0.0@sha1:${sha('c')}`,
      lastAttemptedRevision: `v1.0.0@sha1:${sha('c')}`,
      ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: v1.0.0@sha1:${sha('c')}`, since },
    },
  );
  await store.updateKustomization({ cluster: 'dev', namespace: 'tenants', name: 'team-a' }, { suspended: true });
  await store.updateSource(
    { kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'flux-system' },
    {
      url: 'http://127.0.0.1/fleet.git',
      ref: 'branch main',
      revision: `main@sha1:${sha('a')}`,
      ready: { status: 'True', reason: 'Succeeded', message: `stored artifact for revision 'main@sha1:${sha('a')}'`, since },
    },
  );
  return store;
}

test('get kustomizations prints flux get columns with CLUSTER first, revisions shortened and the attempted revision when it differs', async (t) => {
  // Prepare
  const dir = await dataDir(t);
  await seededStore(dir);
  const io = captureIo({ TIDELINE_DATA_DIR: dir });
  // Act
  const code = await runVerbs([registerGet], ['get', 'kustomizations'], io);
  // Assess
  assert.equal(code, 0);
  assert.equal(
    io.out.join(''),
    [
      'CLUSTER\tNAME          \tREVISION            \tSUSPENDED\tREADY\tMESSAGE',
      'dev    \tapps          \tmain@sha1:aaaaaaaa  \tFalse    \tFalse\tapps/web.yaml:3: mapping values are not allowed (last attempted: main@sha1:bbbbbbbb)',
      'prod   \tinfrastructure\tv1.0.0@sha1:cccccccc\tFalse    \tTrue \tApplied revision: v1.0.0@sha1:cccccccc',
      '',
    ].join('\n'),
  );
});

test('get ks -A adds the NAMESPACE column after CLUSTER and lists every namespace; --cluster narrows to one cluster', async (t) => {
  // Prepare
  const dir = await dataDir(t);
  await seededStore(dir);
  const io = captureIo({ TIDELINE_STATUS_FILE: join(dir, 'status.json') });
  // Act
  await runVerbs([registerGet], ['get', 'ks', '-A', '--cluster', 'dev'], io);
  const lines = io.out.join('').trimEnd().split('\n');
  // Assess
  assert.equal(lines[0], 'CLUSTER\tNAMESPACE  \tNAME  \tREVISION          \tSUSPENDED\tREADY  \tMESSAGE');
  assert.deepEqual(
    lines.slice(1).map((line) =>
      line
        .split('\t')
        .map((cell) => cell.trim())
        .slice(0, 6),
    ),
    [
      ['dev', 'flux-system', 'apps', 'main@sha1:aaaaaaaa', 'False', 'False'],
      ['dev', 'tenants', 'team-a', '', 'True', 'Unknown'],
    ],
  );
});

test('get kustomizations -o json prints whole records with inventory size and the last change set', async (t) => {
  // Prepare
  const dir = await dataDir(t);
  await seededStore(dir);
  const io = captureIo({ TIDELINE_DATA_DIR: dir });
  // Act
  await runVerbs([registerGet], ['get', 'kustomizations', 'apps', '-o', 'json', '--status-file', join(dir, 'status.json')], io);
  const [record] = JSON.parse(io.out.join('')) as {
    cluster: string;
    inventorySize: number;
    lastChangeSet: { counts: { Configured: number } };
    lastAttemptedRevision: string;
  }[];
  // Assess
  assert.deepEqual(
    [record?.cluster, record?.inventorySize, record?.lastChangeSet.counts.Configured, record?.lastAttemptedRevision],
    ['dev', 4, 1, `main@sha1:${sha('b')}`],
  );
});

test('get kustomizations of an unknown name says so as flux does and exits 1', async (t) => {
  // Prepare
  const dir = await dataDir(t);
  await seededStore(dir);
  const io = captureIo({ TIDELINE_DATA_DIR: dir });
  // Act
  const code = await runVerbs([registerGet], ['get', 'kustomizations', 'nope'], io);
  // Assess
  assert.equal(code, 1);
  assert.equal(io.err.join(''), `✗ Kustomization object 'nope' not found in "flux-system" namespace\n`);
});

test('get sources git lists GitRepositories per cluster; get sources names them by kind as flux get sources all', async (t) => {
  // Prepare
  const dir = await dataDir(t);
  await seededStore(dir);
  const git = captureIo({ TIDELINE_DATA_DIR: dir });
  const all = captureIo({ TIDELINE_DATA_DIR: dir });
  // Act
  await runVerbs([registerGet], ['get', 'sources', 'git'], git);
  await runVerbs([registerGet], ['get', 'sources'], all);
  // Assess
  assert.equal(
    git.out.join(''),
    "CLUSTER\tNAME       \tREVISION          \tSUSPENDED\tREADY\tMESSAGE\ndev    \tflux-system\tmain@sha1:aaaaaaaa\tFalse    \tTrue \tstored artifact for revision 'main@sha1:aaaaaaaa'\n",
  );
  assert.match(all.out.join(''), /^CLUSTER\tNAME {21}\t.*\ndev {4}\tgitrepository\/flux-system\tmain@sha1:aaaaaaaa\t/);
});
