// The ports-and-adapters boundary and the floating-promise rule are enforced by lint: the AWS SDK
// may be imported only by the adapters, the functions and the tests; Powertools only by the
// functions and the tests; and a promise nobody awaits is an error, in any TypeScript file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

// The probe files do not exist, so the project service cannot place them in tsconfig.json's
// program: the import rules run without types (they need none), and the type-aware rule gets the
// probes through the service's default project (TypeScript's default options: the probes import
// nothing of the project, and loading its whole program would cost seconds).
const untyped = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});
const typed = new ESLint({
  cwd: process.cwd(),
  overrideConfig: { files: ['**/probe*.ts'], languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*/*/probe*.ts'] } } } },
});

async function ruleErrors(source: string, filePath: string, ruleId: string): Promise<number> {
  const eslint = ruleId === 'no-restricted-imports' ? untyped : typed;
  const [result] = await eslint.lintText(source, { filePath });
  assert.deepEqual(
    (result?.messages ?? []).filter((message) => message.fatal),
    [],
    `${filePath} parsed`,
  );
  return (result?.messages ?? []).filter((message) => message.ruleId === ruleId).length;
}

const sdkImport = "import { S3Client } from '@aws-sdk/client-s3';\nexport const client = S3Client;\n";
const powertoolsImport = "import { Logger } from '@aws-lambda-powertools/logger';\nexport const logger = Logger;\n";

test('an AWS SDK import in an engine under shared/, in infra/ or in bench/ is a lint error', async () => {
  for (const file of ['shared/render/probe.ts', 'shared/alerts/probe.ts', 'infra/probe.ts', 'bench/probe.ts']) {
    // Act
    const errors = await ruleErrors(sdkImport, file, 'no-restricted-imports');
    // Assess
    assert.equal(errors, 1, file);
  }
});

test('an AWS SDK import is allowed in the adapters, the functions and the tests', async () => {
  for (const file of ['shared/adapters/aws/probe.ts', 'functions/render/probe.ts', 'test/unit/probe.ts']) {
    // Act
    const errors = await ruleErrors(sdkImport, file, 'no-restricted-imports');
    // Assess
    assert.equal(errors, 0, file);
  }
});

test('Powertools may be imported in the functions and the tests only, not in engines or adapters', async () => {
  for (const file of ['shared/alerts/probe.ts', 'shared/adapters/aws/probe.ts', 'infra/probe.ts']) {
    // Act
    const errors = await ruleErrors(powertoolsImport, file, 'no-restricted-imports');
    // Assess
    assert.equal(errors, 1, file);
  }
  for (const file of ['functions/commons/probe.ts', 'test/unit/probe.ts']) {
    // Act
    const errors = await ruleErrors(powertoolsImport, file, 'no-restricted-imports');
    // Assess
    assert.equal(errors, 0, file);
  }
});

test('a promise neither awaited, returned, caught nor voided is a lint error; node:test calls are not', async () => {
  // Prepare
  const floating = 'async function work(): Promise<void> {}\nwork();\nvoid work();\nexport {};\n';
  const tests = "import { test } from 'node:test';\ntest('x', async () => {});\n";
  // Act
  const inEngine = await ruleErrors(floating, 'shared/intake/probe.ts', '@typescript-eslint/no-floating-promises');
  const inTest = await ruleErrors(floating, 'test/unit/probe.test.ts', '@typescript-eslint/no-floating-promises');
  const ofTestCalls = await ruleErrors(tests, 'test/unit/probe.test.ts', '@typescript-eslint/no-floating-promises');
  // Assess
  assert.equal(inEngine, 1);
  assert.equal(inTest, 1);
  assert.equal(ofTestCalls, 0);
});
