// Lint for ts/, tests/, bench/ and scripts/: typescript-eslint's recommended rules, a function-length
// limit (long functions are where the hallways bend), and no formatting rules (prettier owns those).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'build-cmake/**', 'node_modules/**', 'prebuilds/**', '.cache/**', '.device/**', 'runs/**', 'kit/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
      setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', performance: 'readonly', fetch: 'readonly',
      AbortController: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true, IIFEs: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // tsfm rethrows with one line that names the file or key; the original stays available via --debug.
      'preserve-caught-error': 'off',
    },
  },
  // Test files are lists of cases: their describe() callbacks may be long.
  { files: ['tests/**/*.ts'], rules: { 'max-lines-per-function': 'off' } },
);
