/**
 * The confirmation round trip for write tools, with a test-only tool: the person is asked
 * through the client (2026-07-28 input_required; 2025 elicitation through the SDK's shim), the
 * handler sees the answer on re-entry, and a client without elicitation is told so.
 */
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { Principal } from '../../src/tenancy/types.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { startTestSandbox, textOf } from '../helpers/harness.js';

const seen: string[] = [];
const writeLike: AnyToolDefinition = {
  name: 'pretend_write',
  toolset: 'scheduling',
  title: 'Pretend write',
  description: 'A test-only tool that asks before it pretends to write anything.',
  inputSchema: z.object({ what: z.string().describe('What to pretend to write.') }),
  outputSchema: z.object({ wrote: z.boolean(), answer: z.string(), supported: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredScopes: ['scheduling:write'],
  writes: true,
  operations: [],
  handler: async (context, args) => {
    seen.push(`${context.confirmation.answer}/${context.confirmation.supported}`);
    if (context.confirmation.answer === 'none' && context.confirmation.supported) {
      return { kind: 'confirmation_needed', message: `Write "${args.what}"?`, state: { what: args.what } };
    }
    const wrote = context.confirmation.answer === 'accepted';
    return {
      structured: { wrote, answer: context.confirmation.answer, supported: context.confirmation.supported },
      summary: wrote ? 'written' : 'nothing written',
    };
  },
};

let sandbox: RunningSandbox;
let runtime: Runtime;
const principal: Principal = { id: 'test', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false };
const build = () => createServer({ ...runtime.serverDependencies(principal), tools: [writeLike] });

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const config = parseConfig(['--practice', sandbox.fixtures.practices.la.id, '--log-level', 'silent'], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
    ESCAPE_TOOLSETS: 'all',
  });
  runtime = await startRuntime(config);
});

afterAll(async () => {
  await runtime?.close();
  await sandbox?.close();
});

function clientAnswering(answer: 'accept' | 'decline' | 'none', era: 'modern' | 'legacy'): Client {
  const client = new Client(
    { name: 'confirming-client', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(answer === 'none' ? {} : { capabilities: { elicitation: { form: {} } } }),
    },
  );
  if (answer !== 'none') {
    client.setRequestHandler('elicitation/create', async (request) => {
      seen.push(`asked:${request.params.message}`);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
  }
  return client;
}

async function connectModern(client: Client) {
  const handler = createFetchHandler(() => build().server);
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://in-process.test/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
  return async () => {
    await client.close();
    await handler.close();
  };
}

async function connectLegacy(client: Client) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = build().server;
  await server.connect(serverSide);
  await client.connect(clientSide);
  return async () => {
    await client.close();
    await server.close();
  };
}

describe.each([
  ['modern', connectModern],
  ['legacy', connectLegacy],
] as const)('confirmation, %s era', (era, connect) => {
  it('asks the person, then runs with their yes', async () => {
    seen.length = 0;
    const client = clientAnswering('accept', era);
    const close = await connect(client);
    try {
      const result = await client.callTool({ name: 'pretend_write', arguments: { what: 'the booking' } });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toEqual({ wrote: true, answer: 'accepted', supported: true });
      expect(seen).toEqual(['none/true', 'asked:Write "the booking"?', 'accepted/true']);
    } finally {
      await close();
    }
  });

  it('writes nothing when the person declines', async () => {
    seen.length = 0;
    const client = clientAnswering('decline', era);
    const close = await connect(client);
    try {
      const result = await client.callTool({ name: 'pretend_write', arguments: { what: 'the booking' } });
      expect(result.structuredContent).toEqual({ wrote: false, answer: 'declined', supported: true });
    } finally {
      await close();
    }
  });

  it('tells the handler when the client cannot ask', async () => {
    seen.length = 0;
    const client = clientAnswering('none', era);
    const close = await connect(client);
    try {
      const result = await client.callTool({ name: 'pretend_write', arguments: { what: 'the booking' } });
      expect(result.structuredContent).toEqual({ wrote: false, answer: 'none', supported: false });
      expect(seen).toEqual(['none/false']);
    } finally {
      await close();
    }
  });
});
