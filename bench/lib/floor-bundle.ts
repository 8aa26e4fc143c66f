/**
 * The floor's processes as single files, bundled with the server's own esbuild options and
 * resolutions (scripts/build-cli.mjs, scripts/bundle-plugins.mjs), so that its start, memory and
 * CPU compare with ours rather than with a TypeScript loader's. Built once per bench process into
 * bench/.cache.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { SERVER_BUNDLE_PLUGINS } from '../../scripts/bundle-plugins.mjs';
import { BENCH_DIR } from './stats.js';

export type FloorEntry = 'floor-stdio' | 'floor-http-process';

const built = new Map<FloorEntry, Promise<string>>();

export function bundledFloor(entry: FloorEntry): Promise<string> {
  let file = built.get(entry);
  if (!file) {
    const outfile = join(BENCH_DIR, '.cache', `${entry}.mjs`);
    file = build({
      entryPoints: [join(BENCH_DIR, 'lib', `${entry}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.18',
      banner: {
        js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
      },
      plugins: SERVER_BUNDLE_PLUGINS,
      sourcemap: true,
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'external',
      logLevel: 'warning',
    }).then(() => outfile);
    built.set(entry, file);
  }
  return file;
}
