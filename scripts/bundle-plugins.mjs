// The resolutions scripts/build-cli.mjs bundles the server with (its header says what each saves
// of a cold start); bench/cold-start.ts bundles the floor with the same ones, so the two starts compare.
import { fileURLToPath } from 'node:url';

const undiciSlim = fileURLToPath(new URL('./undici-slim.cjs', import.meta.url));
const zodLocalesEn = fileURLToPath(new URL('./zod-locales-en.mjs', import.meta.url));
const sdkShimsNode = fileURLToPath(new URL('./sdk-shims-node.mjs', import.meta.url));

/** `from 'undici'` in src/ resolves to scripts/undici-slim.cjs (only what the server uses). */
const slimUndici = {
  name: 'undici-slim',
  setup(bundle) {
    bundle.onResolve({ filter: /^undici$/ }, (args) => (args.importer === undiciSlim ? undefined : { path: undiciSlim }));
  },
};

/** zod's `export * as locales from '../locales/index.js'` resolves to English only (scripts/zod-locales-en.mjs). */
const englishZodLocales = {
  name: 'zod-locales-en',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: zodLocalesEn } : undefined,
    );
  },
};

/** The SDK's `_shims` resolve to scripts/sdk-shims-node.mjs: its @cfworker validator instead of Ajv. */
const lightSchemaValidator = {
  name: 'sdk-shims-cfworker',
  setup(bundle) {
    bundle.onResolve({ filter: /^@modelcontextprotocol\/server\/_shims$/ }, () => ({ path: sdkShimsNode }));
  },
};

export const SERVER_BUNDLE_PLUGINS = [slimUndici, englishZodLocales, lightSchemaValidator];
