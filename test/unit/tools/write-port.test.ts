/**
 * The appointment writes of the API port are reachable only through the write pipeline
 * (`src/tools/framework/writes/pipeline.ts`, issue 15 item 2): no other module of the server calls them,
 * and a tool's context carries the API without them (they travel sealed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StaticTokenProvider } from '../../../src/api/credentials.js';
import { createEscapeApi, EscapeClient } from '../../../src/api/index.js';
import type { EscapeApi } from '../../../src/api/port.js';
import { scopeFor } from '../../../src/tenancy/practice.js';
import { invokeTool } from '../../../src/tools/framework/invoke.js';
import type { AnyToolDefinition, ToolContext } from '../../../src/tools/framework/types.js';
import { openWrites } from '../../../src/tools/framework/writes/port.js';
import { fakeApi } from '../../helpers/fake-api.js';
import { invokeDeps } from './invoke-deps.js';

/** Every value reachable from `root` through properties (own, enumerable or not), with its path. */
function reachableFrom(root: unknown): { values: unknown[]; paths: string[] } {
  const values: unknown[] = [];
  const paths: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string): void => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
    seen.add(value);
    values.push(value);
    if (typeof value === 'function') return;
    for (const key of Object.getOwnPropertyNames(value)) {
      const child = Object.getOwnPropertyDescriptor(value, key)?.value;
      paths.push(`${path}.${key}`);
      visit(child, `${path}.${key}`);
    }
    const proto = Object.getPrototypeOf(value);
    if (proto && proto !== Object.prototype) visit(proto, `${path}.<prototype>`);
  };
  visit(root, '');
  return { values, paths };
}

function peek(look: (context: ToolContext) => void): AnyToolDefinition {
  return {
    name: 'peek',
    toolset: 'scheduling',
    title: 'Peek',
    description: 'Looks at its context.',
    inputSchema: z.object({}),
    outputSchema: z.object({}),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: [],
    writes: false,
    operations: [],
    handler: async (context) => {
      look(context);
      return { structured: {}, summary: 'ok' };
    },
  };
}

const PRACTICE = { id: '11111111-1111-4111-8111-111111111111', name: 'Alpha Dental', timezone: 'UTC' };

const depsWith = (api: EscapeApi) => invokeDeps(scopeFor([PRACTICE]), { api });

const SRC = join(import.meta.dirname, '..', '..', '..', 'src');
const WRITE_METHODS = /\b(createAppointment|updateAppointment|transitionAppointment|createCommlog)\b/;
/** The write operations by name, as the HTTP core would be asked for them (`client.request({operation})`). */
const WRITE_OPERATIONS = /\b(appointment(Create|Update|Transition)|commlogCreate)\b/;

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
    expect(callers.sort()).toEqual(['tools/framework/writes/pipeline.ts', 'tools/framework/writes/port.ts']);
    const openers = [...codeMentioning(/\bopenWrites\(/).keys()];
    expect(openers.sort()).toEqual(['tools/framework/writes/pipeline.ts', 'tools/framework/writes/port.ts']);
    const sealers = [...codeMentioning(/\bsealWrites\(/).keys()];
    expect(sealers.sort()).toEqual(['tools/framework/invoke.ts', 'tools/framework/writes/port.ts']);
  });

  it('no module asks the HTTP core for a write operation by name except the write methods themselves', () => {
    // paths.ts maps the names to paths; appointments.ts and recalls.ts hold the write methods the seal guards;
    // the write tools declare the write they make in their `operations` list, and name it nowhere else.
    const mentions = codeMentioning(WRITE_OPERATIONS);
    expect([...mentions.keys()].sort()).toEqual([
      'api/paths.ts',
      'api/resources/appointments.ts',
      'api/resources/recalls.ts',
      'tools/scheduling/book-appointment.ts',
      'tools/scheduling/cancel-appointment.ts',
      'tools/scheduling/reschedule-appointment.ts',
      'tools/worklists/log-contact.ts',
    ]);
    for (const [file, lines] of mentions) {
      if (!file.startsWith('tools/')) continue;
      for (const line of lines)
        expect(line.trim(), file).toMatch(
          /^(operations: \[.*\],|'(scheduling\.appointment\w+|comms\.commlogCreate)',)$/,
        );
    }
  });

  it('the API a tool handler gets leads to no write at run time: no HTTP client, no write method, anywhere in it', async () => {
    const api = createEscapeApi({
      baseUrl: 'http://127.0.0.1:9',
      credentials: new StaticTokenProvider('t'),
      breaker: { enabled: false },
      retry: { maxAttempts: 1 },
    });
    let seen: ToolContext | undefined;
    const outcome = await invokeTool(
      peek((context) => (seen = context)),
      {},
      depsWith(api),
    );
    await api.close();
    expect(outcome.kind).toBe('ok');
    const reachable = reachableFrom((seen as ToolContext).api);
    expect(reachable.values.filter((v) => v instanceof EscapeClient)).toEqual([]);
    expect(reachable.paths.filter((path) => /\.(request|client)$/.test(path) || WRITE_METHODS.test(path))).toEqual([]);
    // The reads are all there.
    expect(reachable.paths).toEqual(
      expect.arrayContaining(['.scheduling.getAppointment', '.insurance.listClaims', '.recalls.getRecall']),
    );
  });

  it('a tool handler gets the API without appointment writes; the sealed writes open only to the pipeline module', async () => {
    const calls: string[] = [];
    const write = (name: string) => async () => {
      calls.push(name);
      return { id: 'a1' };
    };
    const api = fakeApi({
      scheduling: {
        getAppointment: async () => ({ id: 'a1' }),
        createAppointment: write('create'),
        updateAppointment: write('update'),
        transitionAppointment: write('transition'),
      },
    });
    let seen: ToolContext | undefined;
    const practice = PRACTICE;
    const outcome = await invokeTool(
      peek((context) => (seen = context)),
      {},
      depsWith(api),
    );
    expect(outcome.kind).toBe('ok');
    const context = seen as ToolContext;
    const scheduling = context.api.scheduling as Record<string, unknown>;
    // Every read of the area is there (the fake lists them all); none of the three writes is.
    expect(Object.keys(scheduling)).toContain('getAppointment');
    for (const write of ['createAppointment', 'updateAppointment', 'transitionAppointment']) {
      expect(Object.keys(scheduling)).not.toContain(write);
    }
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
