/**
 * MCP progress notifications (issue 17): a tool's `context.progress` reaches a client that sent a
 * progress token with its call, over the real HTTP server on both Streamable HTTP eras
 * (2026-07-28 per request, 2025 sessions), and a client that sent none hears nothing.
 */
import type { Progress } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mapBounded } from '../../src/tools/framework/fan-out.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
import { type ClientKind, type Stack, startStack, textOf } from './http-harness.js';

const READS = 6;

/** A read-only tool that fans out over a few items through mapBounded, as the worklist tools do. */
const fanOut: AnyToolDefinition = {
  name: 'progress_probe',
  toolset: 'reports',
  title: 'Progress probe',
  description: 'Test tool: fans out over a few items.',
  inputSchema: z.object({}),
  outputSchema: z.object({ settled: z.number() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScopes: [],
  writes: false,
  operations: [],
  async handler(context) {
    const items = Array.from({ length: READS }, (_, index) => index);
    // A repeated report must not reach the client as a step backwards or a repeat.
    context.progress(0, READS, 'starting');
    context.progress(0, READS, 'starting');
    const results = await mapBounded(context, items, async (item) => item, { label: 'probe reads' });
    return { structured: { settled: results.length }, summary: `${results.length} reads settled.` };
  },
};

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ args: ['--auth', 'off'], http: { tools: [...CATALOG, fanOut] } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe.each<ClientKind>(['modern', 'legacy'])('progress notifications (%s client)', (kind) => {
  it('reach a client that asked for them, increasing, with the total and the label', async () => {
    const client = await stack.connect(kind);
    const seen: Progress[] = [];
    const result = await client.callTool(
      { name: 'progress_probe', arguments: { practice: stack.sandbox.fixtures.practices.la.id } },
      { onprogress: (progress) => seen.push(progress) },
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toEqual({ settled: READS });
    expect(seen.map((p) => p.progress)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(seen.every((p) => p.total === READS)).toBe(true);
    expect(seen.slice(1).every((p) => p.message === 'probe reads')).toBe(true);
  });

  it('are not sent to a client that did not ask', async () => {
    const client = await stack.connect(kind);
    // A progress notification nobody asked for reaches the client as an error ("unknown token").
    const notifications: unknown[] = [];
    const errors: string[] = [];
    client.onerror = (error) => errors.push(String(error));
    client.fallbackNotificationHandler = async (notification) => {
      notifications.push(notification);
    };
    const result = await client.callTool({
      name: 'progress_probe',
      arguments: { practice: stack.sandbox.fixtures.practices.la.id },
    });
    expect(result.structuredContent).toEqual({ settled: READS });
    expect(notifications.filter((n) => (n as { method?: string }).method === 'notifications/progress')).toEqual([]);
    expect(errors.filter((e) => e.includes('progress'))).toEqual([]);
  });
});
