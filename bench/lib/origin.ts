/** Where a profiled frame's code comes from, for bench/profile.ts (CPU) and bench/alloc.ts (allocation). */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const sourceMaps = new Map<string, SourceMap | undefined>();
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    const map = `${path}.map`;
    sourceMaps.set(path, existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, 'utf8'))) : undefined);
  }
  return sourceMaps.get(path);
}

/** The bundled frame's original file, through the bundle's source map; the file itself otherwise. */
export function sourceOf(frame: CallFrame): string {
  let source = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
  // Bundles (ours in dist/, the floor's in bench/.cache/) name the original file through their map.
  if (/[\\/](dist[\\/][^\\/]+\.js|\.cache[\\/][^\\/]+\.mjs)$/.test(source)) {
    const entry = sourceMapOf(source)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      source = resolve(dirname(source), entry.originalSource);
    }
  }
  return source;
}

/** The package (or src/ directory, or V8/Node part) a sampled frame's code comes from. */
export function originOf(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'V8: garbage collector';
  if (frame.functionName === '(program)') return 'V8: (program)';
  if (!frame.url) return 'V8/Node: builtins';
  if (frame.url.startsWith('node:')) return 'Node internals';
  const source = sourceOf(frame);
  const inPackage = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(source);
  if (inPackage?.[1]) return inPackage[1].replace(/\\/g, '/');
  const ours = /[\\/](src|bench|scripts)[\\/](?:([^\\/]+)[\\/])?/.exec(source);
  if (ours) return `${ours[1]}/${ours[2] ?? ''}`;
  return 'other';
}

/** Origins whose work is done on someone else's behalf: charged to the nearest caller of another origin. */
export const ON_BEHALF = new Set(['Node internals', 'V8/Node: builtins', 'other']);
