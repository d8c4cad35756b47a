/**
 * {@link SecretStore} for local mode: secrets from a JSON or YAML file, or from the environment.
 *
 * The file maps names to values (`flux-system/webhook-token: s3cr3t`; a mapping value is stored
 * as its JSON text, the shape of a Kubernetes Secret's data). A variable
 * `TIDELINE_SECRET_<NAME>` overrides the file, NAME being the secret name upper-cased with every
 * other character than A–Z and 0–9 turned into `_` (`flux-system/webhook-token` →
 * `TIDELINE_SECRET_FLUX_SYSTEM_WEBHOOK_TOKEN`). The file is read again on `fresh` reads.
 *
 * Every value is read as the text written: YAML's failsafe schema types nothing, so an unquoted
 * token such as `0123` or `0x1F` stays that string instead of becoming a number. The file may
 * also hold Kubernetes `Secret` manifests (several documents, or a `List`), the files a Flux fleet
 * already has: each is served as `namespace/name` (`default` when it has no namespace), its
 * value the JSON text of its `data` (base64-decoded) with `stringData` entries winning, as the
 * API server merges them.
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { SecretStore } from '#shared/ports/index.ts';

export interface LocalSecretStoreOptions {
  /** A JSON or YAML file mapping secret names to values. */
  file?: string;
  /** Environment to read `TIDELINE_SECRET_*` from (default: none; pass `process.env` to use it). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values given directly (tests, embedded defaults); the file and env override them. */
  values?: Readonly<Record<string, string>>;
}

/** The environment variable that holds secret `name`. */
export function secretEnvVariable(name: string): string {
  return `TIDELINE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Parses a secrets file: YAML or JSON documents, each a mapping of name → string or mapping, a
 * Kubernetes `Secret`, or a `List` of Secrets (see the module comment). Errors name the file, the
 * line and the secret, never a value.
 */
export function parseSecretsFile(text: string, file: string): Map<string, string> {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, undefined, { schema: yaml.FAILSAFE_SCHEMA });
  } catch (error) {
    // The parser's message quotes the text around the error: only the line is kept, and no cause.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new InvalidInputError(`not valid YAML or JSON${line === undefined ? '' : ` (syntax error on line ${line + 1})`}`, { source: { file } });
  }
  const values = new Map<string, string>();
  for (const document of documents) {
    if (document === undefined || document === null) continue;
    if (typeof document !== 'object' || Array.isArray(document))
      throw new InvalidInputError('expected a mapping of secret names to values, or Kubernetes Secrets', { source: { file } });
    const record = document as Record<string, unknown>;
    if (record['kind'] === 'List' && Array.isArray(record['items'])) {
      for (const item of record['items']) addManifest(values, item, file);
    } else if (record['kind'] === 'Secret' && typeof record['apiVersion'] === 'string') {
      addManifest(values, record, file);
    } else {
      for (const [name, value] of Object.entries(record)) {
        if (typeof value === 'string') values.set(name, value);
        else if (typeof value === 'object' && value !== null && !Array.isArray(value)) values.set(name, JSON.stringify(value));
        // The value itself is never echoed, only the name.
        else throw new InvalidInputError(`secret ${name}: expected a string or a mapping`, { source: { file } });
      }
    }
  }
  return values;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Adds one Kubernetes Secret manifest as `namespace/name` → JSON of its decoded data. */
function addManifest(values: Map<string, string>, manifest: unknown, file: string): void {
  const secret = manifest as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; data?: unknown; stringData?: unknown } | null;
  if (typeof secret !== 'object' || secret === null || secret.kind !== 'Secret')
    throw new InvalidInputError('a List in the secrets file may hold only Secrets', { source: { file } });
  const name = secret.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new InvalidInputError('a Secret in the secrets file has no metadata.name', { source: { file } });
  const namespace = typeof secret.metadata?.namespace === 'string' && secret.metadata.namespace !== '' ? secret.metadata.namespace : 'default';
  const where = `Secret ${namespace}/${name}`;
  const data: Record<string, string> = {};
  for (const [field, decode] of [
    ['data', true],
    ['stringData', false],
  ] as const) {
    const entries = secret[field];
    if (entries === undefined || entries === null) continue;
    if (typeof entries !== 'object' || Array.isArray(entries)) throw new InvalidInputError(`${where}: ${field} must be a mapping`, { source: { file } });
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value !== 'string') throw new InvalidInputError(`${where}: ${field}.${key} must be a string`, { source: { file } });
      if (!decode) {
        data[key] = value;
        continue;
      }
      const compact = value.replace(/\s+/g, '');
      if (!BASE64.test(compact) || compact.length % 4 === 1) throw new InvalidInputError(`${where}: data.${key} is not base64`, { source: { file } });
      data[key] = Buffer.from(compact, 'base64').toString('utf8');
    }
  }
  values.set(`${namespace}/${name}`, JSON.stringify(data));
}

/** Secrets from a local file, the environment or given values. */
export class LocalSecretStore implements SecretStore {
  readonly #file: string | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #values: ReadonlyMap<string, string>;
  #fileValues: Map<string, string> | undefined;

  constructor(options: LocalSecretStoreOptions = {}) {
    this.#file = options.file;
    this.#env = options.env ?? {};
    this.#values = new Map(Object.entries(options.values ?? {}));
  }

  /** The secret's value; NotFoundError naming the file and variable looked at when absent. */
  async getSecret(name: string, options: { fresh?: boolean } = {}): Promise<string> {
    const fromEnv = this.#env[secretEnvVariable(name)];
    if (fromEnv !== undefined) return fromEnv;
    if (this.#file !== undefined) {
      if (options.fresh || this.#fileValues === undefined) {
        let text: string;
        try {
          text = readFileSync(this.#file, 'utf8');
        } catch (cause) {
          throw new NotFoundError(`cannot read the secrets file: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { source: { file: this.#file }, cause });
        }
        this.#fileValues = parseSecretsFile(text, this.#file);
      }
      const fromFile = this.#fileValues.get(name);
      if (fromFile !== undefined) return fromFile;
    }
    const given = this.#values.get(name);
    if (given !== undefined) return given;
    const where = [this.#file ? `file ${this.#file}` : undefined, `variable ${secretEnvVariable(name)}`].filter(Boolean).join(' or ');
    throw new NotFoundError(`secret ${name} not found (looked in ${where})`);
  }
}
