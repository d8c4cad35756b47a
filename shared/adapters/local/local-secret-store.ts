/**
 * {@link SecretStore} for local mode: secrets from a JSON or YAML file, or from the environment.
 *
 * The file maps names to values (`flux-system/webhook-token: s3cr3t`; a mapping value is stored
 * as its JSON text, the shape of a Kubernetes Secret's data). A variable
 * `TIDELINE_SECRET_<NAME>` overrides the file, NAME being the secret name upper-cased with every
 * other character than A–Z and 0–9 turned into `_` (`flux-system/webhook-token` →
 * `TIDELINE_SECRET_FLUX_SYSTEM_WEBHOOK_TOKEN`). The file is read again on `fresh` reads.
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

/** Parses a secrets file (JSON or YAML mapping of name → string or mapping). */
export function parseSecretsFile(text: string, file: string): Map<string, string> {
  let document: unknown;
  try {
    document = yaml.load(text);
  } catch (cause) {
    throw new InvalidInputError('not valid YAML or JSON', { source: { file }, cause });
  }
  if (document === undefined || document === null) return new Map();
  if (typeof document !== 'object' || Array.isArray(document)) throw new InvalidInputError('expected a mapping of secret names to values', { source: { file } });
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(document)) {
    if (typeof value === 'string') values.set(name, value);
    else if (typeof value === 'number' || typeof value === 'boolean') values.set(name, String(value));
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) values.set(name, JSON.stringify(value));
    // The value itself is never echoed, only the name.
    else throw new InvalidInputError(`secret ${name}: expected a string or a mapping`, { source: { file } });
  }
  return values;
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
