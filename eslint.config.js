// eslint.config.js: lints the theme's scripts in .ci/test (`npx --no-install eslint themes`).
// They are plain browser scripts, no modules and no build step: each runs from file:// under
// the site's Content-Security-Policy, vis-network is the global `vis`.
'use strict';

const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  {
    files: ['themes/**/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: 'script',
      globals: { ...globals.browser, vis: 'readonly' },
    },
    rules: {
      ...js.configs.recommended.rules,
      'no-implied-eval': 'error',
      strict: ['error', 'function'],
    },
  },
  {
    files: ['eslint.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
];
