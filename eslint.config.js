// Lint rules for Tideline: eslint's and typescript-eslint's recommended sets, the habits our style
// guide asks for, and the ports-and-adapters boundary. tsc does not catch a promise nobody awaits
// (a lost rejection, a step that silently runs late), so that rule runs here, type-aware, on every
// TypeScript file through typescript-eslint's project service (the same tsconfig.json as tsc).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const aliases = { group: ['../../*'], message: 'Use the #shared/* (or #test/*) import aliases.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'test/env/go/**', '**/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [aliases] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The one CommonJS file, a bundling shim (infra/bundling/): Node's CommonJS scope.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', process: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `void promise` marks a deliberate fire-and-forget; everything else is awaited, returned or
      // caught. node:test's test/describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          ignoreVoid: true,
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
    },
  },
  {
    // Ports and adapters: engines reach AWS only through the ports, so the same code runs locally.
    // The SDK belongs to the adapters and the functions (and to the tests, which set up moto);
    // Powertools to the functions, which configure it once in functions/commons/. infra/ speaks
    // CloudFormation through aws-cdk-lib, and bench/ and scripts/ need neither.
    files: ['**/*.ts', '**/*.js'],
    ignores: ['shared/adapters/**', 'functions/**', 'test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            aliases,
            { group: ['@aws-sdk/*'], message: 'Import the AWS SDK only in shared/adapters/ (or functions/): reach AWS through a port and its adapter.' },
            { group: ['@aws-lambda-powertools/*'], message: 'Configure Powertools only in functions/commons/: engines log through the Logger port.' },
          ],
        },
      ],
    },
  },
  {
    // Adapters are used locally as well as in Lambda: they may use the SDK but not Powertools.
    files: ['shared/adapters/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            aliases,
            { group: ['@aws-lambda-powertools/*'], message: 'Configure Powertools only in functions/commons/: adapters log through the Logger port.' },
          ],
        },
      ],
    },
  },
);
