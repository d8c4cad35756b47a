/**
 * The KMS port: unwrapping the data keys of SOPS-encrypted files that AWS KMS keys wrap (Flux's
 * `spec.decryption` with KMS recipients). The AWS adapter, `shared/adapters/aws/kms-decrypt.ts`,
 * calls KMS with the process's own role or credentials. There is no local adapter: without AWS a
 * decryptor has no KMS access, age identities are the local way, and a file that only KMS keys
 * wrap fails naming their ARNs.
 */

/** Unwraps SOPS data keys with AWS KMS. */
export interface KmsDecrypter {
  /**
   * KMS `Decrypt` of `ciphertext` under `keyArn` with the file's encryption context. Throws a
   * TransientError when KMS cannot be reached (retry) and a final error when it refuses; neither
   * carries the ciphertext or the key.
   */
  decrypt(keyArn: string, ciphertext: Uint8Array, encryptionContext: Readonly<Record<string, string>>): Promise<Uint8Array>;
}
