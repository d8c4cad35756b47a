// Lint rules for Tideline: eslint's and typescript-eslint's recommended sets, plus the habits
// our style guide asks for (no floating promises is left to tsc strictness and review).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'test/env/go/**', '**/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../*'], message: 'Use the #shared/* (or #test/*) import aliases.' }] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Ports and adapters: engines reach AWS only through the ports, so the same code runs locally.
    // The SDK belongs to the adapters and the functions (and to tests, benches, infra and scripts).
    files: ['**/*.ts', '**/*.js'],
    ignores: ['shared/adapters/**', 'functions/**', 'test/**', 'bench/**', 'infra/**', 'scripts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*'], message: 'Use the #shared/* (or #test/*) import aliases.' },
            { group: ['@aws-sdk/*'], message: 'Import the AWS SDK only in shared/adapters/ (or functions/): reach AWS through a port and its adapter.' },
          ],
        },
      ],
    },
  },
);
