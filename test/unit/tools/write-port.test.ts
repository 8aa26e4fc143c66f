/**
 * The appointment writes of the API port are reachable only through the write pipeline
 * (`src/tools/writes/pipeline.ts`, issue 15 item 2): no other module of the server calls them,
 * and a tool's context carries the API without them (they travel sealed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EscapeApi } from '../../../src/api/port.js';
import { NO_GATES } from '../../../src/gates/decision.js';
import { silentLogger } from '../../../src/logger.js';
import { scopeFor } from '../../../src/practice.js';
import { noMetrics } from '../../../src/telemetry.js';
import { createConfirmationTokens } from '../../../src/tools/confirmation.js';
import { invokeTool } from '../../../src/tools/invoke.js';
import { ToolMemo } from '../../../src/tools/memo.js';
import type { AnyToolDefinition, ToolContext } from '../../../src/tools/types.js';
import { openWrites } from '../../../src/tools/writes/port.js';

const SRC = join(import.meta.dirname, '..', '..', '..', 'src');
const WRITE_METHODS = /\b(createAppointment|updateAppointment|transitionAppointment)\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Source lines that are code (comments dropped), per file relative to src/. */
function codeMentioning(pattern: RegExp): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && pattern.test(line));
    if (lines.length > 0) found.set(relative(SRC, file), lines);
  }
  return found;
}

describe('the write port', () => {
  it('has no caller outside the write pipeline: only the API client defines the writes, only the pipeline opens and calls them', () => {
    const callers = [...codeMentioning(WRITE_METHODS).keys()].filter((file) => !file.startsWith('api/'));
    // port.ts names them to seal them (and to leave them out of the tools' view); pipeline.ts calls them.
    expect(callers.sort()).toEqual(['tools/writes/pipeline.ts', 'tools/writes/port.ts']);
    const openers = [...codeMentioning(/\bopenWrites\(/).keys()];
    expect(openers.sort()).toEqual(['tools/writes/pipeline.ts', 'tools/writes/port.ts']);
    const sealers = [...codeMentioning(/\bsealWrites\(/).keys()];
    expect(sealers.sort()).toEqual(['tools/invoke.ts', 'tools/writes/port.ts']);
  });

  it('a tool handler gets the API without appointment writes; the sealed writes open only to the pipeline module', async () => {
    const calls: string[] = [];
    const write = (name: string) => async () => {
      calls.push(name);
      return { id: 'a1' };
    };
    const api = {
      scheduling: {
        getAppointment: async () => ({ id: 'a1' }),
        createAppointment: write('create'),
        updateAppointment: write('update'),
        transitionAppointment: write('transition'),
      },
    } as unknown as EscapeApi;
    let seen: ToolContext | undefined;
    const tool: AnyToolDefinition = {
      name: 'peek',
      title: 'Peek',
      description: 'Looks at its context.',
      inputSchema: z.object({}),
      outputSchema: z.object({}),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      requiredScopes: [],
      writes: false,
      handler: async (context) => {
        seen = context;
        return { structured: {}, summary: 'ok' };
      },
    };
    const practice = { id: '11111111-1111-4111-8111-111111111111', name: 'Alpha Dental', timezone: 'UTC' };
    const outcome = await invokeTool(
      tool,
      {},
      {
        api,
        principal: { id: 'local', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false },
        practices: scopeFor([practice]),
        gatesFor: () => NO_GATES,
        logger: silentLogger(),
        metrics: noMetrics,
        now: () => new Date(),
        toolTimeoutMs: 5000,
        memo: new ToolMemo(),
        confirmationTokens: createConfirmationTokens(),
      },
    );
    expect(outcome.kind).toBe('ok');
    const context = seen as ToolContext;
    const scheduling = context.api.scheduling as Record<string, unknown>;
    expect(Object.keys(scheduling).sort()).toEqual(['getAppointment']);
    expect(Object.values(context.writes as object)).toEqual([true]);
    // Through the seal the writes still reach the API (what the pipeline does).
    await openWrites(context.writes).createAppointment(practice.id, {
      patient: 'p',
      date_time: '2030-01-01T09:00:00Z',
      duration_minutes: 30,
    });
    expect(calls).toEqual(['create']);
    expect(() => openWrites({ sealed: true })).toThrow(/No appointment writes/);
  });
});
