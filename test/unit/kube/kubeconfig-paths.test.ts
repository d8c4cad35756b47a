// Which kubeconfig files are read: the flag alone, else the KUBECONFIG list, else ~/.kube/config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { kubeconfigPaths } from '#shared/kube/kubeconfig.ts';

test('an explicit --kubeconfig is the only file read, whatever KUBECONFIG says', () => {
  // Act
  const paths = kubeconfigPaths('/etc/k.yaml', { KUBECONFIG: `/a${delimiter}/b` });
  // Assess
  assert.deepEqual(paths, ['/etc/k.yaml']);
});

test('KUBECONFIG entries are read in order, without empty entries or repeats', () => {
  // Act
  const paths = kubeconfigPaths(undefined, { KUBECONFIG: `/a${delimiter}${delimiter}/b${delimiter}/a${delimiter}` });
  // Assess
  assert.deepEqual(paths, ['/a', '/b']);
});

test('without the flag and KUBECONFIG, or with an empty KUBECONFIG, ~/.kube/config is read', () => {
  for (const env of [{}, { KUBECONFIG: '' }]) {
    // Act
    const paths = kubeconfigPaths(undefined, env);
    // Assess
    assert.deepEqual(paths, [join(homedir(), '.kube', 'config')], JSON.stringify(env));
  }
});
