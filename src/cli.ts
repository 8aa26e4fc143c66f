#!/usr/bin/env node
/**
 * The bin entry: `escape-dental-mcp` (stdio, the default) or `escape-dental-mcp http`; src/main.ts.
 * Node 22.8+ can keep V8's compiled code of the modules loaded after this call between starts
 * (in the OS temp directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so
 * the server is imported only after it (only the small chunk of build-time constants comes before;
 * the gain is measured by bench/cold-start.ts). Node 20 has no such cache.
 */
import nodeModule from 'node:module';

(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./main.js');
