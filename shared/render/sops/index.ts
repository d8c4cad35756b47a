/**
 * SOPS decryption: turns a document encrypted by `sops` (YAML or JSON, with its `sops` metadata
 * block) back into its plaintext, given the keys that may unwrap its data key — age identities
 * and/or AWS KMS through the KmsDecrypter port. Whole files in SOPS' other stores (dotenv, INI,
 * binary, and YAML/JSON files printed back as `sops decrypt` prints them) are decrypted for
 * generator inputs, as Flux's kustomize-controller decrypts them.
 *
 * By role: `metadata.ts` reads the `sops` block, `data-key.ts` unwraps the data key, `cipher.ts`
 * opens values and checks the MAC, `tree.ts` walks a document, `files.ts` and `print.ts` read and
 * write whole files (their text formats in `formats.ts`), `inputs.ts` finds a build's encrypted
 * inputs, and `decryptor.ts` binds it all to a set of keys.
 *
 * Errors are InvalidInputErrors naming the file or object (and the key path), never a decrypted
 * value or any key material; a KMS outage stays a TransientError so callers retry.
 */
export { ageIdentitiesFromSecret, parseAgeIdentities, type SopsKeys } from './data-key.ts';
export { createSopsDecryptor, decryptSopsText, type SopsDecryptor } from './decryptor.ts';
export { decryptSopsFile } from './files.ts';
export { SOPS_METADATA_KEY, isSopsEncrypted } from './metadata.ts';
export type { SopsSource } from './source.ts';
export { decryptSopsNode, type SopsDecryptOptions } from './tree.ts';
export type { SopsFileFormat } from './formats.ts';
export { decryptGeneratorInputs, decryptSecretDataEntries } from './inputs.ts';
