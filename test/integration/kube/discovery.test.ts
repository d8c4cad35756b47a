// Discovery belongs to the connection: the clients `impersonating` makes share what it read, and
// a client of its own reads it afresh (no cache outlives the connection that read it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testClientFor } from './helpers.ts';

test("a client made by impersonating reuses its connection's discovery: no second read", async (t) => {
  // Prepare
  const client = await testClientFor(t);
  await client.refreshDiscovery();
  const before = client.requestsByVerb.get('GET discovery') ?? 0;
  const writer = client.impersonating('system:serviceaccount:default:deployer');
  // Act
  const info = await writer.resourceFor('apps/v1', 'Deployment');
  // Assess
  assert.deepEqual({ resource: info.resource, namespaced: info.namespaced }, { resource: 'deployments', namespaced: true });
  assert.equal((client.requestsByVerb.get('GET discovery') ?? 0) - before, 0);
});

test("a new client reads discovery itself rather than trusting another connection's", async (t) => {
  // Prepare
  const first = await testClientFor(t);
  await first.refreshDiscovery();
  const second = await testClientFor(t);
  // Act
  const cached = second.cachedResourceFor('apps/v1', 'Deployment');
  await second.resourceFor('apps/v1', 'Deployment');
  // Assess
  assert.equal(cached, undefined);
  assert.equal(second.requestsByVerb.get('GET discovery'), 2);
});
