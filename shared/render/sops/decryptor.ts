/**
 * A SOPS decryptor bound to its keys: the one object the renderer is handed (Flux's
 * `spec.decryption`), sharing unwrapped data keys between the documents and files it decrypts.
 */
import type { YAMLMap } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { DataKeyCache, SopsKeys } from './data-key.ts';
import { decryptFileWith, parseEncryptedDocument } from './files.ts';
import type { SopsFileFormat } from './formats.ts';
import type { SopsSource } from './source.ts';
import { decryptInPlace, decryptSopsNode, type SopsDecryptOptions } from './tree.ts';

/**
 * Decrypts a SOPS-encrypted YAML or JSON text (one document) into its plaintext as a plain value
 * (integers beyond 2^53 stay bigints). `file` names the input in errors.
 */
export async function decryptSopsText(text: string, keys: SopsKeys, file: string, options: SopsDecryptOptions = {}): Promise<unknown> {
  return createSopsDecryptor(keys).decryptText(text, file, options);
}

/** Integers come out of the parser as bigints; those a JS number holds exactly become numbers. */
function safeNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(safeNumbers);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, safeNumbers(item)]));
  return value;
}

/** A decryptor bound to its keys, sharing unwrapped data keys between the documents it decrypts. */
export interface SopsDecryptor {
  /** See {@link decryptSopsNode}. */
  decryptNode(root: YAMLMap, source: SopsSource, options?: SopsDecryptOptions): Promise<YAMLMap>;
  /** See {@link decryptSopsText}. */
  decryptText(text: string, file: string, options?: SopsDecryptOptions): Promise<unknown>;
  /** See {@link decryptSopsFile}. */
  decryptFile(bytes: Uint8Array, input: SopsFileFormat, output: SopsFileFormat, source: SopsSource): Promise<Buffer>;
}

/** Builds a {@link SopsDecryptor} over a set of keys (one per render: data keys are cached for its life). */
export function createSopsDecryptor(keys: SopsKeys): SopsDecryptor {
  const cache: DataKeyCache = new Map();
  return {
    decryptNode: (root, source, options) => decryptSopsNode(root, keys, source, options, cache),
    decryptFile: (bytes, input, output, source) => decryptFileWith(bytes, input, output, source, keys, cache),
    decryptText: async (text, file, options) => {
      const source: SopsSource = { where: file, file };
      const doc = parseEncryptedDocument(text, source, 'document');
      // The parsed document is private to this call, so it is decrypted in place.
      await decryptInPlace(doc.contents, keys, source, options ?? {}, cache);
      // Aliases are expanded with a cap, so an alias bomb fails instead of exhausting memory.
      try {
        return safeNumbers(doc.toJS({ maxAliasCount: 100 }) as unknown);
      } catch (error) {
        throw new InvalidInputError(`cannot expand the decrypted document: ${(error as Error).message}`, { source: { file } });
      }
    },
  };
}
