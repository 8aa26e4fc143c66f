/**
 * The layering of src/, checked on its import graph (test/helpers/import-graph.ts): who may import
 * the tools, no folder-level cycles, the environment read in one place, the MCP SDK in one layer.
 * Each rule is first shown to catch a deliberately broken synthetic graph, then run on src/.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  environmentReadsOutsideConfig,
  folderCycles,
  moduleOf,
  readModules,
  sdkImportedOutsideMcp,
  toolsImportedOutside,
} from '../helpers/import-graph.js';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const modules = readModules(repository);

describe('the import-graph rules, on broken examples', () => {
  it('catch an import of src/tools/ from a transport, a type import included, and allow the MCP layer and server.ts', () => {
    const graph = [
      moduleOf('src/transports/http.ts', "import type { AnyToolDefinition } from '../tools/framework/types.js';"),
      moduleOf('src/gates/decision.ts', "export { CATALOG } from '../tools/registry.js';"),
      moduleOf('src/mcp/sdk.ts', "import type { CallRound } from '../tools/framework/invoke.js';"),
      moduleOf('src/server.ts', "import { invokeTool } from './tools/framework/invoke.js';"),
      moduleOf('src/tools/registry.ts', "import { findSpot } from './scheduling/find-spot.js';"),
    ];
    expect(toolsImportedOutside(graph)).toEqual([
      'src/transports/http.ts imports src/tools/framework/types.ts',
      'src/gates/decision.ts imports src/tools/registry.ts',
    ]);
  });

  it('catch a cycle between two folders, and one through a root file, but not imports inside a folder', () => {
    const graph = [
      moduleOf('src/api/client.ts', "import { x } from '../auth/upstream.js';"),
      moduleOf('src/auth/upstream.ts', "import { y } from '../api/errors.js';"),
      moduleOf('src/mcp/http.ts', "import type { S } from '../server.js';"),
      moduleOf('src/server.ts', "import { build } from './mcp/sdk.js';"),
      moduleOf('src/domain/dates.ts', "import { z } from './money.js';"),
      moduleOf('src/domain/money.ts', "const d = await import('./dates.js');"),
    ];
    const cycles = folderCycles(graph);
    expect(cycles).toHaveLength(2);
    expect(cycles.find((c) => c.startsWith('api/ ⇄ auth/'))).toContain('src/auth/upstream.ts → src/api/errors.ts');
    expect(cycles.find((c) => c.startsWith('mcp/ ⇄ server.ts'))).toContain('src/mcp/http.ts → src/server.ts');
  });

  it('catch every spelling of an environment read outside src/config.ts, and not a comment or a string', () => {
    const graph = [
      moduleOf('src/heap.ts', 'const flags = process.env.NODE_OPTIONS;'),
      moduleOf('src/logger.ts', "const level = process['env'].LEVEL;"),
      moduleOf('src/main.ts', 'const { env } = process;'),
      moduleOf('src/metrics.ts', "import { env } from 'node:process';"),
      moduleOf('src/api/client.ts', "// nothing here reads process.env\nconst said = 'process.env';"),
      moduleOf('src/config.ts', 'const env = process.env;'),
    ];
    expect(environmentReadsOutsideConfig(graph)).toEqual([
      'src/heap.ts:1',
      'src/logger.ts:1',
      'src/main.ts:1',
      'src/metrics.ts:1',
    ]);
  });

  it('catch an import of the MCP SDK outside src/mcp/', () => {
    const graph = [
      moduleOf('src/server.ts', "import { McpServer } from '@modelcontextprotocol/server';"),
      moduleOf('src/transports/stdio.ts', "const { serveStdio } = await import('@modelcontextprotocol/server/stdio');"),
      moduleOf('src/mcp/sdk.ts', "import { McpServer } from '@modelcontextprotocol/server';"),
    ];
    expect(sdkImportedOutsideMcp(graph)).toEqual([
      'src/server.ts imports @modelcontextprotocol/server',
      'src/transports/stdio.ts imports @modelcontextprotocol/server/stdio',
    ]);
  });
});

describe('src/', () => {
  it('is read whole (the graph is not empty by mistake)', () => {
    expect(modules.map((m) => m.path)).toEqual(
      expect.arrayContaining(['src/server.ts', 'src/tools/registry.ts', 'src/mcp/sdk.ts', 'src/config.ts']),
    );
    expect(modules.find((m) => m.path === 'src/server.ts')?.imports).toContain('src/tools/framework/invoke.ts');
  });

  it('imports src/tools/ only from src/tools/, src/mcp/, src/server.ts and src/runtime.ts', () => {
    expect(toolsImportedOutside(modules)).toEqual([]);
  });

  it('has no import cycle between its top-level folders and root files', () => {
    expect(folderCycles(modules)).toEqual([]);
  });

  it('reads process.env only in src/config.ts', () => {
    expect(environmentReadsOutsideConfig(modules)).toEqual([]);
  });

  it('imports @modelcontextprotocol/* only in src/mcp/', () => {
    expect(sdkImportedOutsideMcp(modules)).toEqual([]);
  });
});
