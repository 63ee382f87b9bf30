// ESLint with typescript-eslint's type-aware rules; Prettier owns formatting (eslint-config-prettier
// turns off the stylistic rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'test-output/', 'data/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Off: async is how this code implements promise-returning contracts (Fastify plugins and handlers, section builders, storage targets), await or not.
      '@typescript-eslint/require-await': 'off',
      // A rest copy that leaves properties out ({ idle: _idle, ...profile }) names them only to drop them.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Off in routes: @fastify/csrf-protection types its hook app.csrfProtection as a method, though it uses no this (and Fastify binds hooks to the instance anyway).
    files: ['src/web/routes/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Off in tests: Vitest types its asymmetric matchers (expect.any, expect.stringMatching ...) as any so they can stand in for a value; an any that is then used is still caught by the other no-unsafe rules.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Off where tests break the deliberately loose fixture definition (test/fixtures/minimal-definition.ts) into shapes its schema rejects.
    files: ['test/instrument/definition.test.ts', 'test/instrument/translations.test.ts', 'test/web/question-view.test.ts'],
    rules: { '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/no-unsafe-call': 'off' },
  },
  {
    // Plain JavaScript (this file, bin/, scripts run before a build, the browser script) has no types to check against.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The Node globals the plain JavaScript scripts use (TypeScript checks globals in .ts files).
    files: ['**/*.{js,mjs,cjs}'],
    ignores: ['src/web/public/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  prettier,
);
