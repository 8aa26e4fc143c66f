// Bundles the command-line entry (src/cli.ts, then src/main.ts) into dist/cli.js and chunks next to it, after
// `tsc` has type-checked and emitted dist/. One file graph instead of hundreds of modules cuts a
// cold start by about a third (spawn → first tools/list: ~470 → ~300 ms on this machine), and
// undici without the parts the server never calls another ~35 ms (scripts/undici-slim.cjs),
// tool schemas converted here rather than at start another ~35 ms, and zod with English only and
// the SDK without Ajv (scripts/zod-locales-en.mjs, scripts/sdk-shims-node.mjs) ~25 ms; the
// sandbox and the HTTP transport stay in chunks of their own, loaded only when used.
// Chunks sit directly in dist/, at the depth of the files they replace, so paths relative to
// import.meta.url (src/version.ts reads ../package.json) still resolve.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';
import { SERVER_BUNDLE_PLUGINS } from './bundle-plugins.mjs';

// The catalog's JSON Schemas, converted now from tsc's output rather than at every start
// (src/mcp/preconverted.ts).
const { CATALOG } = await import('../dist/tools/registry.js');
const { preconvertSchemas } = await import('../dist/server.js');
const preconverted = JSON.stringify(preconvertSchemas(CATALOG));

const result = await build({
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
  plugins: SERVER_BUNDLE_PLUGINS,
  define: { __ESCAPE_PRECONVERTED_SCHEMAS__: preconverted },
  // Whitespace and syntax only (identifiers keep their names for stack traces). Without comments,
  // with strings escaped (esbuild's default charset) and the licence texts in .LEGAL.txt files, the
  // chunks are ASCII: V8 keeps every module's source in the heap, as UTF-16 once one character
  // beyond Latin-1 appears, and that was 7.4 MB of a 24 MB idle heap.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
});

// The resolutions above match paths inside zod and the SDK: fail if an upgrade makes one stop matching.
const bundledInputs = Object.keys(result.metafile.inputs);
const slipped = bundledInputs.filter(
  (input) => /[\\/]ajvProvider-[^\\/]*$|[\\/]zod[\\/]v4[\\/]locales[\\/](?!en\.js$)[^\\/]+$/.test(input),
);
if (slipped.length > 0) throw new Error(`the bundle took in what scripts/build-cli.mjs resolves away: ${slipped.join(', ')}`);

for (const file of Object.keys(result.metafile.outputs).filter((name) => name.endsWith('.js'))) {
  const offset = readFileSync(file, 'latin1').search(/[^\x00-\x7f]/);
  if (offset >= 0) {
    const context = readFileSync(file, 'utf8').slice(Math.max(0, offset - 60), offset + 20);
    throw new Error(`${file} is not ASCII near ${JSON.stringify(context)}: write that character as an escape in a string`);
  }
}

// Chunk names carry a content hash: drop the chunks of earlier builds, so that neither the npm
// package nor the .mcpb carries them.
const written = new Set(Object.keys(result.metafile.outputs).map((file) => basename(file)));
for (const name of readdirSync('dist'))
  if (/^[a-z]+-[A-Z0-9]{8}\.js(\.map|\.LEGAL\.txt)?$/.test(name) && !written.has(name)) rmSync(`dist/${name}`);
