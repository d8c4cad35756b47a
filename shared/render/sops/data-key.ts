/**
 * The data key of a SOPS document: unwrapped with the age identities offered, else with AWS KMS
 * through the {@link KmsDecrypter} port, and cached per wrapped key for the life of a decryptor. Also
 * reads age identities from key files and Flux decryption Secrets.
 */
import { InvalidInputError, TidelineError } from '#shared/errors/index.ts';
import type { KmsDecrypter } from '#shared/ports/index.ts';
import type { SopsMetadata, KeyGroup } from './metadata.ts';
import { sopsError, type SopsSource } from './source.ts';

/** The keys a decryptor may use. Identities and KMS access are tried in that order, as Flux does. */
export interface SopsKeys {
  /** age identities, `AGE-SECRET-KEY-1…` (see {@link parseAgeIdentities} for key files). */
  ageIdentities?: readonly string[];
  /** AWS KMS access (a port, so the renderer holds no AWS client); without it, documents whose only keys are KMS keys cannot be decrypted. */
  kms?: KmsDecrypter;
}

/**
 * The identities in an age key file (`age-keygen` output, Flux's `*.agekey` Secret entries):
 * `AGE-SECRET-KEY-…` lines, `#` comments and blank lines. Anything else is refused by line number,
 * without echoing the line (it may be key material).
 */
export function parseAgeIdentities(text: string, file: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) identities.push(line);
    else if (line.startsWith('AGE-PLUGIN-')) throw new InvalidInputError('age plugin identities are not supported', { source: { file, line: index + 1 } });
    else throw new InvalidInputError('not an age identity (expected AGE-SECRET-KEY-1…, # comments or blank lines)', { source: { file, line: index + 1 } });
  });
  if (identities.length === 0) throw new InvalidInputError('no age identity found', { source: { file } });
  return identities;
}

/**
 * The age identities of a Flux decryption Secret (`spec.decryption.secretRef`), given its entries
 * already base64-decoded: every `*.agekey` entry, as kustomize-controller imports them. Entries for
 * other providers (`*.asc`, `sops.vault-token`, `sops.azure-kv`, `sops.gcp-kms`) are ignored, as
 * documents wrapped only for them are refused when decrypted; `sops.aws-kms` static credentials
 * are refused, since Tideline reaches KMS with its own role.
 */
export function ageIdentitiesFromSecret(entries: Readonly<Record<string, string>>, secretName: string): string[] {
  const identities: string[] = [];
  for (const [name, text] of Object.entries(entries)) {
    if (name === 'sops.aws-kms') {
      throw new InvalidInputError(
        `decryption Secret ${secretName}: entry sops.aws-kms (static AWS credentials) is not supported; grant Tideline's role kms:Decrypt on the key instead`,
      );
    }
    if (name.endsWith('.agekey')) identities.push(...parseAgeIdentities(text, `Secret ${secretName} entry ${name}`));
  }
  return identities;
}

async function unwrapWithAge(group: KeyGroup, identities: readonly string[]): Promise<Uint8Array | undefined> {
  if (group.age.length === 0 || identities.length === 0) return undefined;
  // Loaded only when a file really is age-encrypted: the library (with its post-quantum and
  // elliptic-curve code) costs about 100 ms and 20 MB to load, which every other render skipped.
  const { Decrypter, armor } = await import('age-encryption');
  const decrypter = new Decrypter();
  identities.forEach((identity, index) => {
    try {
      decrypter.addIdentity(identity);
    } catch {
      // The identity itself is never echoed: it is key material.
      throw new InvalidInputError(`age identity #${index + 1} is not an age secret key (AGE-SECRET-KEY-1…)`);
    }
  });
  for (const key of group.age) {
    let file: Uint8Array;
    try {
      file = armor.decode(key.enc);
    } catch {
      continue;
    }
    try {
      return await decrypter.decrypt(file, 'uint8array');
    } catch {
      // Not one of ours (or damaged): the next stanza may be.
    }
  }
  return undefined;
}

async function unwrapWithKms(group: KeyGroup, kms: KmsDecrypter | undefined, errors: string[]): Promise<Uint8Array | undefined> {
  if (group.kms.length === 0 || kms === undefined) return undefined;
  let transient: TidelineError | undefined;
  for (const key of group.kms) {
    try {
      return await kms.decrypt(key.arn, Buffer.from(key.enc, 'base64'), key.context);
    } catch (error) {
      if (error instanceof TidelineError && error.code === 'Transient') transient = error;
      errors.push(`${key.arn}: ${error instanceof TidelineError ? error.detail : 'KMS Decrypt failed'}`);
    }
  }
  // Only a key that could not be reached at all is worth a retry; a refusal is final.
  if (transient !== undefined) throw transient;
  return undefined;
}

/** Caches data keys per wrapped key, so a file included by several overlays costs one unwrap (one KMS call). */
export type DataKeyCache = Map<string, Promise<Uint8Array>>;

/**
 * The document's 256-bit data key: age first, then KMS, as Flux tries them. A failure names every
 * key tried (recipients and ARNs, never key material); a KMS outage stays a TransientError.
 */
export async function dataKeyFor(meta: SopsMetadata, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<Uint8Array> {
  const cacheKey = [...meta.group.age.map((k) => k.enc), ...meta.group.kms.map((k) => k.enc)].join('\0');
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const pending = (async () => {
    const kmsErrors: string[] = [];
    const key = (await unwrapWithAge(meta.group, keys.ageIdentities ?? [])) ?? (await unwrapWithKms(meta.group, keys.kms, kmsErrors));
    if (key === undefined) {
      const tried: string[] = [];
      if (meta.group.age.length > 0) {
        tried.push(`age recipients ${meta.group.age.map((k) => k.recipient).join(', ')} (${keys.ageIdentities?.length ?? 0} identities offered)`);
      }
      if (meta.group.kms.length > 0) {
        tried.push(
          keys.kms ? `AWS KMS keys ${kmsErrors.join('; ')}` : `AWS KMS keys ${meta.group.kms.map((k) => k.arn).join(', ')} (no KMS access configured)`,
        );
      }
      if (meta.group.unsupported.length > 0) tried.push(`also wrapped for ${meta.group.unsupported.join(', ')} (not supported)`);
      throw sopsError(source, `no key could unwrap the sops data key: tried ${tried.join('; ')}`);
    }
    if (key.length !== 32) throw sopsError(source, `the unwrapped sops data key has ${key.length} bytes, not 32`);
    return key;
  })();
  cache.set(cacheKey, pending);
  pending.catch(() => cache.delete(cacheKey));
  return pending;
}
