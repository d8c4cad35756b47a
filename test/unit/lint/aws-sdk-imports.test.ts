// The ports-and-adapters boundary is enforced by lint: the AWS SDK may be imported only by the
// adapters and the functions (and by tests, benches, infra and scripts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const source = "import { S3Client } from '@aws-sdk/client-s3';\nexport const client = S3Client;\n";

async function sdkImportErrors(filePath: string): Promise<number> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').length;
}

test('an AWS SDK import in an engine under shared/ is a lint error', async () => {
  for (const file of ['shared/render/probe.ts', 'shared/alerts/probe.ts']) {
    // Act
    const errors = await sdkImportErrors(file);
    // Assess
    assert.equal(errors, 1, file);
  }
});

test('an AWS SDK import is allowed in the adapters, the functions, tests and infra', async () => {
  for (const file of ['shared/adapters/aws/probe.ts', 'functions/render/probe.ts', 'test/unit/probe.ts', 'infra/probe.ts']) {
    // Act
    const errors = await sdkImportErrors(file);
    // Assess
    assert.equal(errors, 0, file);
  }
});
