/**
 * The render engine: on a source revision, renders every Kustomization of every cluster that
 * follows it, stores each bundle in the artifact store under its digest, and announces it.
 *
 * - A source that feeds more targets than a shard holds fans out as RenderRequested shards, so no
 *   invocation holds more than a shard of the fleet.
 * - Identical render inputs (commit, path, build options, resolved variables) are rendered once;
 *   every cluster that uses them gets the same bundle.
 * - Flux objects in a rendered output are configuration: they join the fleet snapshot (nested
 *   Kustomizations are rendered in turn), never the bundle.
 */
import { createHash } from 'node:crypto';
import { errorMessage, InvalidInputError, NotFoundError, TidelineError } from '#shared/errors/index.ts';
import { applyGroupOf, makeEvent, type EventDetail, type RenderTarget } from '#shared/events/catalog.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { parseManifests } from '#shared/kube/manifests.ts';
import { finalizeKustomization, finalizeRequestFromKustomization, type KubeObject } from '#shared/kube/index.ts';
import { ageIdentitiesFromSecret, buildOptionsFromKustomization, createSopsDecryptor, renderKustomization, type SopsDecryptor } from '#shared/render/index.ts';
import { classifyRendered } from '#shared/fleet/index.ts';
import { parseGitRepository } from '#shared/config/git-repository.ts';

type Classified = ReturnType<typeof classifyRendered>;
import type { GitCheckout, KustomizationKey } from '#shared/ports/index.ts';
import { readConfigData, substituteFromCluster } from './clusters.ts';
import { envelope, isoNow, publishEach, type RenderDeps } from './deps.ts';
import { discoverRoots, findTarget, isBootstrapFetch, recordRendered, targetsFollowing, type TargetEntry } from './fleet-view.ts';
import { readyCondition, syncSources } from './source.ts';
import { commitOf, fetchKeyOf, fetchSpecOf, normalizeRepoUrl, sourceId } from './sources.ts';

/** Where a bundle is stored: content-addressed by the digest of its bytes. */
export function bundleKey(digest: string): string {
  return `bundles/${digest.replace(':', '/')}.json`;
}

/** A rendered bundle as stored: the objects to apply (Flux objects left out). */
export interface StoredBundle {
  objects: KubeObject[];
}

interface RenderOutcome {
  key: string;
  digest: string;
  size: number;
  objectCount: number;
  /** What the output says about the fleet (its Flux objects). */
  classified: Classified;
}

// Renders of identical inputs, kept while the process is warm (the artifact store keeps the bundle itself).
const renderCache = new Map<string, Promise<RenderOutcome>>();
const RENDER_CACHE_LIMIT = 500;

function targetKey(target: RenderTarget): KustomizationKey {
  return { cluster: target.cluster, namespace: target.kustomization.namespace, name: target.kustomization.name };
}

/** `dev/flux-system/apps`, for logs. */
function describeTarget(target: RenderTarget): string {
  return `${target.cluster}/${target.kustomization.namespace}/${target.kustomization.name}`;
}

/** The fields of a Kustomization that change what it renders. */
function buildInputs(kustomization: FluxKustomization): unknown {
  const { path, targetNamespace, namePrefix, nameSuffix, images, patches, components, postBuild, decryption } = kustomization.spec;
  return { path, targetNamespace, namePrefix, nameSuffix, images, patches, components, postBuild, decryption };
}

/** Handles a SourceChanged: renders (or shards) every target of the fetch that moved. */
export async function handleSourceChanged(detail: EventDetail<'SourceChanged'>, deps: RenderDeps): Promise<void> {
  const startedAt = deps.clock.now();
  const fetch = { url: detail.url, ref: detail.ref, commit: detail.revision };
  if (isBootstrapFetch(deps.bootstrap, detail.url, detail.ref)) await refreshRoots(detail.revision, deps, detail.correlationId);
  const entries = targetsFollowing(await deps.fleet.load(), deps.bootstrap, detail.url, detail.ref);
  await renderOrShard(entries, fetch, deps, detail.correlationId, startedAt, detail.source);
}

/** Handles one shard. */
export async function handleRenderRequested(detail: EventDetail<'RenderRequested'>, deps: RenderDeps): Promise<void> {
  const snapshot = await deps.fleet.load();
  const entries = detail.targets.map((target) => findTarget(snapshot, deps.bootstrap, target)).filter((entry): entry is TargetEntry => entry !== undefined);
  await renderTargets(entries, detail.commit, deps, detail.correlationId, deps.clock.now());
}

/** Handles a request to reconcile a Kustomization: render it at its source's last revision (or fetch first). */
export async function handleKustomizationRequest(detail: EventDetail<'ReconcileRequested'>, deps: RenderDeps): Promise<void> {
  const snapshot = await deps.fleet.load();
  const clusters = detail.cluster ? [detail.cluster] : Object.keys(snapshot.clusters);
  const entries = clusters
    .map((cluster) => findTarget(snapshot, deps.bootstrap, { cluster, kustomization: { name: detail.object.name, namespace: detail.object.namespace } }))
    .filter((entry): entry is TargetEntry => entry !== undefined);
  for (const entry of entries) {
    // The source's last revision; before this cluster's copy of it was resolved, the revision the Kustomization was last rendered at.
    const revision =
      (await deps.status.getSource(entry.source.key))?.revision ??
      snapshot.clusters[entry.target.cluster]?.kustomizations[`${entry.target.kustomization.namespace}/${entry.target.kustomization.name}`]?.revision;
    const commit = commitOf(revision);
    if (detail.withSource || !commit) {
      await syncSources([entry.source], deps, { correlationId: detail.correlationId, force: true });
      continue;
    }
    await renderTargets([entry], commit, deps, detail.correlationId, deps.clock.now());
  }
}

async function renderOrShard(
  entries: readonly TargetEntry[],
  fetch: { url: string; ref: string; commit: string },
  deps: RenderDeps,
  correlationId: string,
  startedAt: number,
  source: { name: string; namespace: string },
): Promise<void> {
  const shardSize = deps.shardSize ?? 25;
  if (entries.length <= shardSize) return renderTargets(entries, fetch.commit, deps, correlationId, startedAt);
  const shards: RenderTarget[][] = [];
  for (let at = 0; at < entries.length; at += shardSize) shards.push(entries.slice(at, at + shardSize).map((entry) => entry.target));
  deps.logger.info('render fanned out', { fetch: `${normalizeRepoUrl(fetch.url)}#${fetch.ref}`, targets: entries.length, shards: shards.length });
  await publishEach(
    deps,
    'RenderRequested',
    correlationId,
    shards.map((shard) => ({ source: { kind: 'GitRepository', name: source.name, namespace: source.namespace }, commit: fetch.commit, targets: shard })),
  );
}

/** Re-reads the cluster roots (`clusters/<name>/`) of the bootstrap repository at `commit`. */
async function refreshRoots(commit: string, deps: RenderDeps, correlationId: string): Promise<void> {
  const spec = await fetchSpecOf(deps.bootstrap, deps.secrets);
  const checkout = await deps.git.checkout(spec, commit);
  const added = await deps.fleet.update(async (snapshot) => discoverRoots(snapshot, checkout.dir, deps.bootstrap));
  for (const cluster of added.clusters) deps.logger.info('cluster found', { cluster, correlationId });
  // A root that follows another ref (prod following a tag) is fetched on its own.
  const others = added.roots.filter((entry) => fetchKeyOf(entry.source.repository) !== fetchKeyOf(deps.bootstrap));
  if (others.length > 0)
    await syncSources(
      others.map((entry) => entry.source),
      deps,
      { correlationId, force: true },
    );
}

/**
 * Renders each target at `commit` of its source (one checkout per fetch), records what the outputs
 * say about the fleet, renders the Kustomizations they add, and emits one event per target.
 */
export async function renderTargets(
  entries: readonly TargetEntry[],
  commit: string,
  deps: RenderDeps,
  correlationId: string,
  startedAt: number,
): Promise<void> {
  const checkouts = new Map<string, Promise<GitCheckout>>();
  const checkoutFor = (entry: TargetEntry): Promise<GitCheckout> => {
    const key = fetchKeyOf(entry.source.repository);
    let checkout = checkouts.get(key);
    if (!checkout) {
      checkout = fetchSpecOf(entry.source.repository, deps.secrets).then((spec) => deps.git.checkout(spec, commit));
      checkouts.set(key, checkout);
    }
    return checkout;
  };
  const queue = [...entries];
  // A target renders again in this invocation only when its spec changed (a root patching itself), never in a loop.
  const seen = new Set<string>();
  const otherSources = new Map<string, TargetEntry>();
  const firstFetch = entries[0] ? fetchKeyOf(entries[0].source.repository) : '';
  while (queue.length > 0) {
    const batch = queue.splice(0, queue.length).filter((entry) => {
      const id = `${describeTarget(entry.target)} ${JSON.stringify(entry.kustomization.spec)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const added = await Promise.all(batch.map((entry) => renderTarget(entry, commit, checkoutFor, deps, correlationId, startedAt)));
    for (const child of added.flat()) {
      if (fetchKeyOf(child.source.repository) === firstFetch) queue.push(child);
      else otherSources.set(sourceId(child.source.key), child);
    }
  }
  if (otherSources.size > 0)
    await syncSources(
      [...otherSources.values()].map((entry) => entry.source),
      deps,
      { correlationId, force: true },
    );
}

/** Renders one target; returns the Kustomizations its output added to the fleet. */
async function renderTarget(
  entry: TargetEntry,
  commit: string,
  checkoutFor: (entry: TargetEntry) => Promise<GitCheckout>,
  deps: RenderDeps,
  correlationId: string,
  startedAt: number,
): Promise<TargetEntry[]> {
  const { target, kustomization } = entry;
  const key = targetKey(target);
  const status = await deps.status.getKustomization(key);
  const now = isoNow(deps.clock);
  if (kustomization.spec.suspend || status?.suspended) {
    await deps.status.updateKustomization(key, {
      source: entry.source.key,
      path: kustomization.spec.path ?? './',
      ready: readyCondition(status?.ready, status?.ready.status ?? 'Unknown', 'Suspended', 'reconciliation is suspended', now),
      suspended: status?.suspended ?? false,
    });
    deps.logger.info('suspended: not rendered', { kustomization: describeTarget(target) });
    return [];
  }
  let checkout: GitCheckout | undefined;
  const started = deps.clock.now();
  try {
    checkout = await checkoutFor(entry);
    const fetched = deps.clock.now();
    const outcome = await renderCached(entry, checkout, deps);
    // As Flux, where the API server's validation of a Flux object fails the whole apply: an
    // invalid Kustomization, GitRepository, Alert … in the output fails its owner, and nothing changes.
    if (outcome.classified.errors.length > 0) throw new InvalidInputError(outcome.classified.errors.map((error) => errorMessage(error)).join('; '));
    const rendered = deps.clock.now();
    const recorded = await deps.fleet.update((snapshot) =>
      recordRendered(snapshot, deps.bootstrap, target.cluster, kustomization, outcome.classified, checkout?.revision ?? ''),
    );
    for (const problem of recorded.problems) deps.logger.warn('fleet configuration problem', { kustomization: describeTarget(target), problem });
    for (const line of recorded.notes) deps.logger.info(line, { kustomization: describeTarget(target) });
    await finalizeRemoved(recorded.removed, deps);
    await deps.status.updateKustomization(key, {
      source: entry.source.key,
      path: kustomization.spec.path ?? './',
      lastAttemptedRevision: checkout.revision,
      lastAttemptedAt: now,
      timings: { fetchMs: fetched - started, renderMs: rendered - fetched },
      // As Flux: an attempt after a failure is in progress until apply reports (a success keeps Ready True meanwhile).
      ...(status?.ready.status === 'True' ? {} : { ready: { status: 'Unknown', reason: 'Progressing', message: 'reconciliation in progress', since: now } }),
    });
    deps.logger.info('rendered', {
      kustomization: describeTarget(target),
      revision: checkout.revision,
      objects: outcome.objectCount,
      digest: outcome.digest.slice(0, 19),
      fetchMs: fetched - started,
      renderMs: rendered - fetched,
    });
    await deps.bus.publish([
      makeEvent('ManifestsRendered', {
        ...envelope(deps.clock, correlationId),
        cluster: target.cluster,
        kustomization: target.kustomization,
        revision: checkout.revision,
        artifact: { key: outcome.key, digest: outcome.digest, size: outcome.size },
        objectCount: outcome.objectCount,
        source: { kind: 'GitRepository', name: entry.source.key.name, namespace: entry.source.key.namespace },
        order: checkout.commitTime,
        startedAt,
        group: applyGroupOf(target.cluster, target.kustomization),
      }),
    ]);
    return recorded.added;
  } catch (error) {
    const message = errorMessage(error).slice(0, 4000);
    // Without a checkout, the source's name for the commit when status has it (`main@sha1:…`).
    const known = (await deps.status.getSource(entry.source.key))?.revision;
    const revision = checkout?.revision ?? (known?.endsWith(commit) ? known : `sha1:${commit}`);
    const reason = checkout ? 'BuildFailed' : 'ArtifactFailed';
    deps.logger.error('render failed', { kustomization: describeTarget(target), revision, reason, error: message });
    await deps.status.updateKustomization(key, {
      source: entry.source.key,
      path: kustomization.spec.path ?? './',
      lastAttemptedRevision: revision,
      lastAttemptedAt: now,
      ready: readyCondition(status?.ready, 'False', reason, message, now),
    });
    await deps.bus.publish([
      makeEvent('RenderFailed', {
        ...envelope(deps.clock, correlationId),
        cluster: target.cluster,
        kustomization: target.kustomization,
        revision,
        reason,
        message,
      }),
    ]);
    if (!(error instanceof TidelineError))
      deps.logger.error('unexpected render error', {
        kustomization: describeTarget(target),
        stack: (error as Error).stack?.split('\n').slice(0, 5).join(' | '),
      });
    return [];
  }
}

/** Kustomizations that a parent with `prune` no longer defines: their objects go as their deletionPolicy says. */
async function finalizeRemoved(removed: readonly { cluster: string; kustomization: FluxKustomization }[], deps: RenderDeps): Promise<void> {
  for (const { cluster, kustomization } of removed) {
    try {
      const client = await deps.kube.get(cluster);
      const result = await finalizeKustomization(client, finalizeRequestFromKustomization(kustomization));
      deps.logger.info('kustomization removed from Git', {
        kustomization: `${cluster}/${kustomization.metadata.namespace}/${kustomization.metadata.name}`,
        deleted: result.changeSet.entries.filter((e) => e.action === 'Deleted').length,
      });
    } catch (error) {
      deps.logger.error('finalizing a removed kustomization failed', {
        kustomization: `${cluster}/${kustomization.metadata.namespace}/${kustomization.metadata.name}`,
        error: errorMessage(error),
      });
    }
  }
}

/** The build options of a target, reading `substituteFrom` and decryption keys from its cluster as Flux does. */
async function buildOptionsFor(
  entry: TargetEntry,
  deps: RenderDeps,
): Promise<{ options: ReturnType<typeof buildOptionsFromKustomization>; fingerprint: string }> {
  const { kustomization, target } = entry;
  const spec = kustomization.spec;
  const namespace = kustomization.metadata.namespace;
  let variables: Record<string, string> = {};
  let decryptor: SopsDecryptor | undefined;
  const hash = createHash('sha256');
  if (spec.postBuild?.substituteFrom?.length) {
    variables = await substituteFromCluster(await deps.kube.get(target.cluster), namespace, spec.postBuild.substituteFrom);
    hash.update(JSON.stringify(Object.entries(variables).sort()));
  }
  if (spec.decryption) {
    const secretName = spec.decryption.secretRef?.name;
    let identities: string[] = [];
    if (secretName) {
      const data = await readConfigData(await deps.kube.get(target.cluster), 'Secret', namespace, secretName);
      if (!data) throw new NotFoundError(`decryption.secretRef: Secret ${namespace}/${secretName} not found in cluster ${target.cluster}`);
      identities = ageIdentitiesFromSecret(data, `${namespace}/${secretName}`);
      hash.update(JSON.stringify(identities));
    }
    decryptor = createSopsDecryptor({ ageIdentities: identities, ...(deps.kms ? { kms: deps.kms } : {}) });
  }
  return { options: buildOptionsFromKustomization(spec, variables, decryptor), fingerprint: hash.digest('hex') };
}

async function renderCached(entry: TargetEntry, checkout: GitCheckout, deps: RenderDeps): Promise<RenderOutcome> {
  const { options, fingerprint } = await buildOptionsFor(entry, deps);
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([checkout.commit, checkout.dir, buildInputs(entry.kustomization), fingerprint]))
    .digest('hex');
  let outcome = renderCache.get(cacheKey);
  if (!outcome) {
    outcome = (async () => {
      const rendered = await renderKustomization({ root: checkout.dir, path: entry.kustomization.spec.path ?? '.', flux: options });
      const output = parseManifests(rendered.yaml, entry.kustomization.spec.path ?? '.');
      const classified = classifyRendered(
        output,
        {
          cluster: entry.target.cluster,
          owner: `${entry.target.kustomization.namespace}/${entry.target.kustomization.name}`,
          file: entry.kustomization.spec.path ?? '.',
        },
        { parseGitRepository },
      );
      const body = Buffer.from(JSON.stringify({ objects: classified.workload } satisfies StoredBundle));
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const key = bundleKey(digest);
      if (!(await deps.artifacts.has(key))) await deps.artifacts.put(key, body, 'application/json');
      return { key, digest, size: body.length, objectCount: classified.workload.length, classified };
    })();
    renderCache.set(cacheKey, outcome);
    outcome.catch(() => renderCache.delete(cacheKey));
    if (renderCache.size > RENDER_CACHE_LIMIT) renderCache.delete(renderCache.keys().next().value as string);
  }
  return outcome;
}
