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
);
