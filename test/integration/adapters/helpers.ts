// Moto fixtures for the adapter integration tests: SDK clients pointed at the test environment's
// moto server, and a fresh bucket or table per test so tests never see each other's data.
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { STATUS_TABLE_KEY } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { getTestEnv } from '#test/env/index.ts';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function clientConfig(): Promise<{ endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }> {
  const { moto } = await getTestEnv();
  return { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
}

/** An S3 client on moto (path-style, since moto serves one host) and a new bucket. */
export async function s3Bucket(): Promise<{ s3: S3Client; bucket: string }> {
  const s3 = new S3Client({ ...(await clientConfig()), forcePathStyle: true });
  const bucket = unique('artifacts');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { s3, bucket };
}

/** A DynamoDB client on moto and a new status table with the key schema the store expects. */
export async function statusTable(): Promise<{ dynamodb: DynamoDBClient; table: string }> {
  const dynamodb = new DynamoDBClient(await clientConfig());
  const table = unique('status');
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: STATUS_TABLE_KEY.partitionKey, AttributeType: 'S' },
        { AttributeName: STATUS_TABLE_KEY.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: STATUS_TABLE_KEY.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATUS_TABLE_KEY.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return { dynamodb, table };
}
