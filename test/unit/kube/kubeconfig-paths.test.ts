// Which kubeconfig files are read: the flag alone, else the KUBECONFIG list, else ~/.kube/config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { kubeconfigPaths } from '#shared/kube/kubeconfig.ts';

test('an explicit --kubeconfig is the only file read, whatever KUBECONFIG says', () => {
  assert.deepEqual(kubeconfigPaths('/etc/k.yaml', { KUBECONFIG: `/a${delimiter}/b` }), ['/etc/k.yaml']);
});

test('KUBECONFIG entries are read in order, without empty entries or repeats', () => {
  assert.deepEqual(kubeconfigPaths(undefined, { KUBECONFIG: `/a${delimiter}${delimiter}/b${delimiter}/a${delimiter}` }), ['/a', '/b']);
});

test('without the flag and KUBECONFIG (or with an empty one), ~/.kube/config is read', () => {
  const fallback = [join(homedir(), '.kube', 'config')];
  assert.deepEqual(kubeconfigPaths(undefined, {}), fallback);
  assert.deepEqual(kubeconfigPaths(undefined, { KUBECONFIG: '' }), fallback);
});
