/** SOPS data keys that AWS KMS wraps (render only), unwrapped with the function's own role. */
import { KMSClient } from '@aws-sdk/client-kms';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import { AwsKmsDecrypter } from './kms-decrypt.ts';
import type { AwsPipelineContext } from './pipeline-deps.ts';

/** A KMS decrypter with one traced client per key region. */
export function kmsDeps({ traced }: AwsPipelineContext): Required<Pick<PipelineDeps, 'kms'>> {
  return { kms: new AwsKmsDecrypter({ clientFor: (region) => traced(new KMSClient({ region })) }) };
}
