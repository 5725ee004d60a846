// ESLint flat config: typescript-eslint's type-aware recommended rules. Sources (src/, packages/*/src)
// get them all. Tests and benchmarks read JSON frames of unknown shape on purpose, so the
// no-unsafe-* family and `any` are allowed there; everything else applies.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeTest = { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'packages/*/dist/', 'src/http/public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [nodeTest] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Store backends implement one async interface: the memory backend's methods are async with
      // nothing to await, on purpose (same contract, same error path as a rejected promise).
      '@typescript-eslint/require-await': 'off',
      // `catch {}` is how best-effort cleanup says "ignore"; other empty blocks are still errors.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'packages/*/test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // ws's RawData (Buffer | ArrayBuffer | Buffer[]) is a Buffer in every test; printing it is fine.
      '@typescript-eslint/no-base-to-string': 'off',
      // Stand-in servers take async request handlers; a failure there fails the test that sent it.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Assertion messages print arrays of seqs and statuses.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowArray: true }],
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
