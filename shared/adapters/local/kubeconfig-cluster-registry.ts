/**
 * {@link ClusterRegistry} for local mode: every context of a kubeconfig file is a cluster, named
 * after the context, with the labels the caller gives for it (none otherwise).
 *
 * Each record carries the whole kubeconfig with its context selected, so connecting goes through
 * the same rules as any kubeconfig record (no unapproved `exec`, TLS verified). Relative file
 * references of the kubeconfig (`certificate-authority`, `client-certificate`, `client-key`,
 * `tokenFile`) are made absolute, as kubectl resolves them against the file's directory; several
 * files are merged as kubectl merges a `KUBECONFIG` list (`#shared/kube/kubeconfig.ts`). The files
 * are read on every call, so edits show up without a restart.
 */
import { delimiter } from 'node:path';
import { NotFoundError } from '#shared/errors/index.ts';
import { loadKubeconfig } from '#shared/kube/kubeconfig.ts';
import type { ClusterRecord, ClusterRegistry } from '#shared/ports/index.ts';

export interface KubeconfigClusterRegistryOptions {
  /** The kubeconfig file, or several merged as kubectl merges a `KUBECONFIG` list. */
  path: string | readonly string[];
  /** Labels per cluster (context) name. */
  labels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Directories credential files named in the kubeconfig may be read from (symlinks resolved);
   * default: the directories of the kubeconfig files.
   */
  credentialFileDirs?: readonly string[];
}

/** The contexts of one kubeconfig file, as clusters. */
export class KubeconfigClusterRegistry implements ClusterRegistry {
  readonly #paths: readonly string[];
  readonly #labels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly #fileDirs: readonly string[] | undefined;

  constructor(options: KubeconfigClusterRegistryOptions) {
    this.#paths = typeof options.path === 'string' ? [options.path] : options.path;
    this.#labels = options.labels ?? {};
    this.#fileDirs = options.credentialFileDirs;
  }

  /** One record per context, in the file's order. */
  async list(): Promise<ClusterRecord[]> {
    const { text, contexts, directories } = await loadKubeconfig(this.#paths);
    return contexts.map((name) => this.#record(name, text, directories));
  }

  /** The record of context `name`; NotFoundError when the kubeconfig has no such context. */
  async get(name: string): Promise<ClusterRecord> {
    const { text, contexts, directories } = await loadKubeconfig(this.#paths);
    if (!contexts.includes(name)) {
      throw new NotFoundError(`cluster ${name}: no such context (have: ${contexts.join(', ') || 'none'})`, { source: { file: this.#paths.join(delimiter) } });
    }
    return this.#record(name, text, directories);
  }

  #record(name: string, kubeconfig: string, directories: string[]): ClusterRecord {
    return { name, labels: { ...this.#labels[name] }, access: { type: 'kubeconfig', kubeconfig, context: name, localFileDirs: this.#fileDirs ?? directories } };
  }
}
