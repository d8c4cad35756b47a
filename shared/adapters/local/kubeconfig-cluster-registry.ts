/**
 * {@link ClusterRegistry} for local mode: every context of a kubeconfig file is a cluster, named
 * after the context, with the labels the caller gives for it (none otherwise).
 *
 * Each record carries the whole kubeconfig with its context selected, so connecting goes through
 * the same rules as any kubeconfig record (no unapproved `exec`, TLS verified). Relative file
 * references of the kubeconfig (`certificate-authority`, `client-certificate`, `client-key`,
 * `tokenFile`) are made absolute, as kubectl resolves them against the file's directory. The file is
 * read on every call, so edits show up without a restart.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { ClusterRecord, ClusterRegistry } from '#shared/ports/index.ts';

export interface KubeconfigClusterRegistryOptions {
  /** The kubeconfig file. */
  path: string;
  /** Labels per cluster (context) name. */
  labels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface KubeconfigDocument {
  contexts?: { name?: unknown }[];
  clusters?: { cluster?: Record<string, unknown> }[];
  users?: { user?: Record<string, unknown> }[];
}

/** The contexts of one kubeconfig file, as clusters. */
export class KubeconfigClusterRegistry implements ClusterRegistry {
  readonly #path: string;
  readonly #labels: Readonly<Record<string, Readonly<Record<string, string>>>>;

  constructor(options: KubeconfigClusterRegistryOptions) {
    this.#path = options.path;
    this.#labels = options.labels ?? {};
  }

  /** One record per context, in the file's order. */
  async list(): Promise<ClusterRecord[]> {
    const { text, contexts } = await this.#load();
    return contexts.map((name) => this.#record(name, text));
  }

  /** The record of context `name`; NotFoundError when the kubeconfig has no such context. */
  async get(name: string): Promise<ClusterRecord> {
    const { text, contexts } = await this.#load();
    if (!contexts.includes(name)) {
      throw new NotFoundError(`cluster ${name}: no such context (have: ${contexts.join(', ') || 'none'})`, { source: { file: this.#path } });
    }
    return this.#record(name, text);
  }

  #record(name: string, kubeconfig: string): ClusterRecord {
    return { name, labels: { ...this.#labels[name] }, access: { type: 'kubeconfig', kubeconfig, context: name } };
  }

  async #load(): Promise<{ text: string; contexts: string[] }> {
    let raw: string;
    try {
      raw = await readFile(this.#path, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`cannot read kubeconfig: ${(error as Error).message}`, { source: { file: this.#path }, cause: error });
    }
    let document: unknown;
    try {
      document = yaml.load(raw);
    } catch (error) {
      // The parser's message quotes the text, which may hold credentials: only the line is kept.
      const line = (error as { mark?: { line?: number } }).mark?.line;
      throw new InvalidInputError(`not a valid kubeconfig${line === undefined ? '' : ` (syntax error on line ${line + 1})`}`, { source: { file: this.#path } });
    }
    if (document === undefined || document === null) return { text: raw, contexts: [] };
    if (typeof document !== 'object' || Array.isArray(document)) throw new InvalidInputError('not a valid kubeconfig: expected a mapping', { source: { file: this.#path } });
    const config = document as KubeconfigDocument;
    const contexts = (Array.isArray(config.contexts) ? config.contexts : [])
      .map((context) => context?.name)
      .filter((name): name is string => typeof name === 'string' && name !== '');
    return { text: absolutizeFileReferences(config, raw, dirname(resolve(this.#path))), contexts };
  }
}

/** The kubeconfig with its relative file references made absolute (the text itself when there are none). */
function absolutizeFileReferences(config: KubeconfigDocument, raw: string, baseDir: string): string {
  let changed = false;
  const fix = (entry: Record<string, unknown> | undefined, key: string): void => {
    const value = entry?.[key];
    if (entry && typeof value === 'string' && value !== '' && !isAbsolute(value)) {
      entry[key] = resolve(baseDir, value);
      changed = true;
    }
  };
  for (const cluster of Array.isArray(config.clusters) ? config.clusters : []) fix(cluster?.cluster, 'certificate-authority');
  for (const user of Array.isArray(config.users) ? config.users : []) {
    for (const key of ['client-certificate', 'client-key', 'tokenFile']) fix(user?.user, key);
  }
  return changed ? yaml.dump(config) : raw;
}
