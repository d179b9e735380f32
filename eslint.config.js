import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'reports/',
      '.kafka/',
      '.snowflake-emulator/',
      'test-results/',
      'dist/',
      'src/dashboard/static/vendor/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      // Only the CLI prints or exits (DESIGN.md §6): stages report through callbacks.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only src/cli may exit.' },
      ],
    },
  },
);
