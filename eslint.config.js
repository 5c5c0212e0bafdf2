// Lint rules, including the layering of ARCHITECTURE.md made executable:
// pure ML code (core/ml) imports no IO, storage, threads, Electron or DOM;
// only electron/ may import Electron; the renderer (its .svelte components
// too, read by eslint-plugin-svelte) imports only the contract from the core.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

const NODE_IO = '^(node:)?(fs|fs/promises|path|os|child_process|worker_threads|cluster|net|http|https|crypto|readline|process)$';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    // Components: TypeScript inside <script lang="ts">; names are checked by svelte-check, not no-undef.
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: {
      'no-undef': 'off',
      // Svelte 5 drops whitespace at the start and end of a tag's content: a leading space must be written {' (optional)'}.
      'svelte/no-useless-mustaches': 'off',
    },
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Prettier owns line breaks (test/format.test.ts) and breaks `call()\n[Symbol.iterator]()` chains this way on purpose.
      'no-unexpected-multiline': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/ may import Electron.' }] }],
    },
  },
  {
    files: ['core/ml/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'better-sqlite3', message: 'core/ml is pure: storage lives in core/storage.' },
            { name: 'electron', message: 'core/ml is pure: no Electron.' },
          ],
          patterns: [
            {
              regex: NODE_IO,
              message: 'core/ml is pure: no file, process or network IO (receive data through TokenSource, report through sinks).',
            },
            { regex: '(^|/)(storage|services|worker|cli)/', message: 'core/ml must not depend on the layers around it.' },
            {
              regex: '(^|/)(text-import|token-file|backends|tfjs-export|write-folder-atomically)(\\.ts)?$',
              message: 'core/ml must not depend on IO modules.',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared with the renderer bundle: zod and the pure config schemas only.
    files: ['core/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@tensorflow/', message: 'the contract ships to the renderer: no TF.js' },
            { regex: NODE_IO, message: 'the contract ships to the renderer: no Node IO' },
            { regex: '(^|/)(storage|services|worker|cli|app|server|engine|data)/', message: 'the contract depends on zod schemas only' },
          ],
        },
      ],
    },
  },
  {
    // The renderer reaches the core only through the contract (ARCHITECTURE.md).
    files: ['renderer/**/*.ts', 'renderer/**/*.js', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'the renderer talks to the core through window.lab (the contract), never Electron' }],
          patterns: [
            { regex: NODE_IO, message: 'the renderer runs in a browser: no Node modules' },
            { regex: '(^|/)core/(?!contract/)', message: 'the renderer may import only core/contract from the core' },
            { regex: '^@tensorflow/|^better-sqlite3$', message: 'the renderer does no ML and no storage' },
          ],
        },
      ],
    },
  },
  {
    // IPC only through the typed wrappers (GitHub Desktop's rule).
    files: ['electron/**/*.ts'],
    ignores: ['electron/ipc.ts', 'electron/preload.ts', 'electron/preload-*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'use the typed IPC wrappers in electron/ipc.ts and electron/preload.ts',
            },
          ],
        },
      ],
    },
  },
);
