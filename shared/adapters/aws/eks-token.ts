/**
 * EKS IAM authentication: the bearer token aws-iam-authenticator and `aws eks get-token` produce.
 *
 * The token is `k8s-aws-v1.` + base64url (unpadded) of a presigned STS GetCallerIdentity URL whose
 * signature covers the `x-k8s-aws-id: <cluster name>` header, so a token minted for one cluster
 * cannot be replayed against another. EKS accepts it for up to 15 minutes after signing.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { UnauthorizedError } from '#shared/errors/index.ts';

/** Static AWS credentials used to sign the token. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Prefix of every EKS IAM token. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/**
 * Makes the EKS bearer token for `clusterName`, signed with `credentials` at `now`
 * (injected so the format can be tested with fixed credentials and clock).
 */
export async function makeEksToken(input: { clusterName: string; region: string; credentials: AwsCredentials; now?: Date }): Promise<string> {
  const hostname = `sts.${input.region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'sts', region: input.region, credentials: input.credentials, sha256: Sha256, uriEscapePath: true });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': input.clusterName },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate: input.now ?? new Date() });
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .sort()
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/**
 * Credentials from the default AWS chain (the Lambda role), optionally exchanged for a role of the
 * target account with STS AssumeRole.
 */
export async function resolveAwsCredentials(region: string, roleArn?: string, endpoint?: string): Promise<AwsCredentials> {
  const sts = new STSClient({ region, ...(endpoint ? { endpoint } : {}) });
  try {
    if (!roleArn) return await sts.config.credentials();
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'tideline-apply', DurationSeconds: 900 }));
    const creds = assumed.Credentials;
    if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
    const result: AwsCredentials = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };
    if (creds.SessionToken) result.sessionToken = creds.SessionToken;
    return result;
  } catch (error) {
    throw new UnauthorizedError(`cannot obtain AWS credentials for EKS${roleArn ? ` (role ${roleArn})` : ''}: ${(error as Error).message}`, { cause: error });
  } finally {
    sts.destroy();
  }
}
