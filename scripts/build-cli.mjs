// Bundles the command-line entry (src/cli.ts) into dist/cli.js and a few chunks next to it, after
// `tsc` has type-checked and emitted dist/. One file graph instead of hundreds of modules cuts a
// cold start by about a third (spawn → first tools/list: ~470 → ~300 ms on this machine); the
// sandbox and the HTTP transport stay in chunks of their own, loaded only when used.
// Chunks sit directly in dist/, at the depth of the files they replace, so paths relative to
// import.meta.url (src/version.ts reads ../package.json) still resolve.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  sourcemap: true,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.18',
  // CommonJS dependencies call require(); an ES module has none, so give the bundle one.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
