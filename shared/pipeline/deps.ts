/**
 * What the pipeline's engines (source, render, apply) need from the outside, as ports only: the
 * functions wire AWS adapters into it, local mode the local ones. Nothing here imports an SDK.
 */
import { randomUUID } from 'node:crypto';
import type { FluxGitRepository } from '#shared/config/git-repository.ts';
import type { ConnectionOptions } from '#shared/kube/index.ts';
import type { ArtifactStore, Clock, ClusterRegistry, EventBus, GitSource, KmsDecrypter, Logger, SecretStore, StatusStore } from '#shared/ports/index.ts';
import type { ClusterClients } from './clusters.ts';
import type { FleetStore } from './fleet-store.ts';

export interface PipelineDeps {
  bus: EventBus;
  git: GitSource;
  artifacts: ArtifactStore;
  status: StatusStore;
  secrets: SecretStore;
  clusters: ClusterRegistry;
  fleet: FleetStore;
  /** Clients of the registry's clusters, reused while warm. */
  kube: ClusterClients;
  clock: Clock;
  logger: Logger;
  /** The fleet repository every cluster's root follows unless its `flux-system` says otherwise (deploy-time bootstrap). */
  bootstrap: FluxGitRepository;
  /**
   * Unwraps the data keys of SOPS files that AWS KMS keys wrap, with the render function's own role
   * (as Flux's kustomize-controller uses its own credentials). Absent locally: age identities only.
   */
  kms?: KmsDecrypter;
  /** How cluster credentials may be used (exec allow-list, insecure clusters). */
  connection?: ConnectionOptions;
  /** Targets one render invocation takes at most; more fan out as RenderRequested shards (default 25). */
  shardSize?: number;
}

/** The envelope fields of a new event: a fresh id, the correlation id it continues, the time. */
export function envelope(clock: Clock, correlationId: string): { version: 1; eventId: string; correlationId: string; occurredAt: string } {
  return { version: 1, eventId: randomUUID(), correlationId, occurredAt: new Date(clock.now()).toISOString() };
}

/** An ISO time stamp of the clock's now. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
