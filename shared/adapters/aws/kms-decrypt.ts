/**
 * {@link KmsDecrypter} over AWS KMS: unwraps a SOPS data key with KMS `Decrypt`, for
 * `createSopsDecryptor({ kms })` in `shared/render/sops/`.
 *
 * SOPS names each key by its ARN, which carries the key's region; one client per region is made
 * on first use (credentials from the default provider chain: the Lambda role, or the CLI user's
 * profile). Throttling, 5xx and network failures become TransientErrors (retry); refusals (access
 * denied, wrong encryption context, disabled key) are final. Neither the ciphertext nor the data
 * key ever appears in an error.
 */
import { DecryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { KmsDecrypter } from '#shared/ports/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

export interface KmsDecrypterOptions {
  /** Builds the client of a region (default: `new KMSClient({ region, ...clientConfig })`). */
  clientFor?: (region: string) => Pick<KMSClient, 'send'>;
  /** Extra client settings (endpoint, credentials) for the default factory. */
  clientConfig?: Omit<KMSClientConfig, 'region'>;
  /** Region for key ids that are not ARNs (default AWS_REGION, then us-east-1). */
  defaultRegion?: string;
}

const ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:(key|alias)\/.+$/;

/** Unwraps data keys with AWS KMS, one client per key region. */
export class AwsKmsDecrypter implements KmsDecrypter {
  readonly #clients = new Map<string, Pick<KMSClient, 'send'>>();
  readonly #options: KmsDecrypterOptions;

  constructor(options: KmsDecrypterOptions = {}) {
    this.#options = options;
  }

  async decrypt(keyArn: string, ciphertext: Uint8Array, encryptionContext: Readonly<Record<string, string>>): Promise<Uint8Array> {
    let output;
    try {
      output = await this.#clientFor(keyArn).send(
        new DecryptCommand({
          KeyId: keyArn,
          CiphertextBlob: ciphertext,
          ...(Object.keys(encryptionContext).length > 0 ? { EncryptionContext: { ...encryptionContext } } : {}),
        }),
      );
    } catch (error) {
      throw fromAwsError(error, `KMS Decrypt with ${keyArn}`);
    }
    if (output.Plaintext === undefined) throw new InvalidInputError(`KMS key ${keyArn} returned no plaintext`);
    return output.Plaintext;
  }

  #clientFor(keyArn: string): Pick<KMSClient, 'send'> {
    const region = ARN.exec(keyArn)?.[1] ?? this.#options.defaultRegion ?? process.env['AWS_REGION'] ?? 'us-east-1';
    let client = this.#clients.get(region);
    if (client === undefined) {
      client = this.#options.clientFor?.(region) ?? new KMSClient({ ...this.#options.clientConfig, region });
      this.#clients.set(region, client);
    }
    return client;
  }
}
