/**
 * The SDK's server side (v2): the server, tool registration, input requests and stdio. With
 * `mcp/http.ts` (the HTTP transports), these are the only modules that import
 * `@modelcontextprotocol/*`; everything else works with plain tool definitions and outcomes, so
 * an SDK upgrade is a change under `src/mcp/` alone.
 */

import { randomBytes } from 'node:crypto';
import {
  type CallToolResult,
  createMcpHandler,
  createRequestStateCodec,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import type { StaticResource } from '../resources/index.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { MessageCredential } from '../tenancy/access.js';
import type { PracticeScope } from '../tenancy/types.js';
import type { CallRound, ToolCallOutcome } from '../tools/framework/invoke.js';
import type { Confirmation, ToolAnnotations } from '../tools/framework/types.js';
import { type PromptRegistration, registerPrompts } from './prompts.js';
import { offerTasks, registerTaskTool, type TaskSupport } from './tasks.js';

export type McpServerInstance = McpServer;

/** Where the HTTP transport puts the verified caller of a message in the SDK's `authInfo.extra`. */
export const CALLER_EXTRA_KEY = 'escapeCaller';
export type ProtocolEra = 'legacy' | 'modern';

/**
 * A zod schema, or the function that builds it when it is first needed (to validate, or to list
 * when no listing was given ahead of time).
 */
export type ZodObjectSource = z.ZodObject | (() => z.ZodObject);

export interface ToolRegistration {
  name: string;
  title: string;
  description: string;
  inputSchema: ZodObjectSource;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /**
   * Listed in tools/list. A tool not listed stays callable: a call from a stale list (or a guess)
   * reaches `execute`, whose own decision refuses it with the reason, on every transport, instead
   * of the SDK's bare "Tool … disabled".
   */
  enabled: boolean;
  /**
   * Arguments handed to `execute` as sent even when the input schema does not declare them (the
   * schema would drop them): the `practice` argument under a pin, which the call must decide
   * rather than lose.
   */
  undeclaredArguments?: readonly string[];
  execute: (args: Record<string, unknown>, round: CallRound) => Promise<ToolCallOutcome>;
  /** The SDK refused the arguments before `execute` (schema validation): audit the attempt. */
  onInvalidInput?: (args: unknown) => void;
  /**
   * The JSON Schemas to advertise when they were converted ahead of time (the bundle converts the
   * catalog at build time: zod's conversion was a visible share of a cold start). Same as converting the zod
   * schemas here; tests compare the two.
   */
  listedSchemas?: { input?: Record<string, unknown>; output?: Record<string, unknown> };
  /** Whether the tool runs as an MCP task for clients with the tasks extension (default 'forbidden'). */
  task?: TaskSupport;
}

export interface ServerSpec {
  name: string;
  version: string;
  instructions: string;
  /** Registered in this order, which is the order of tools/list. */
  tools: readonly ToolRegistration[];
  /** Freshness hint for a 2026-07-28 client's cached tools/list, in ms (0 = do not cache). */
  toolsListTtlMs: number;
  /** Where task runs live (one per process); without it the tasks extension is not offered. */
  tasks?: TaskRegistry;
  /** Fixed documents offered as resources (resources/list, resources/read). */
  resources?: readonly StaticResource[];
  /** Prompts (prompts/list, prompts/get) and their argument completions. */
  prompts?: readonly PromptRegistration[];
}

export interface BuiltServer {
  server: McpServerInstance;
  /** Enables or disables a registered tool; the SDK then sends notifications/tools/list_changed. */
  setEnabled: (name: string, enabled: boolean) => void;
  /** Replaces a registered tool's input schema (its advertised form too); list_changed follows. */
  setInputSchema: (name: string, schema: ZodObjectSource, listed?: Record<string, unknown>) => void;
}

export interface EscapeMcpServer extends BuiltServer {
  /** Re-applies the gate decision to every tool (after a gate poll or a policy reload). */
  refreshToolAvailability: () => void;
  /**
   * Serves another practice scope from now on (the practice list was read, or changed): calls
   * resolve against it, and the tools' `practice` argument and listing follow it (the SDK sends
   * notifications/tools/list_changed when the list changes).
   */
  setPractices: (practices: PracticeScope) => void;
}

export function buildMcpServer(spec: ServerSpec): BuiltServer {
  const server = new McpServer(
    { name: spec.name, version: spec.version },
    {
      instructions: spec.instructions,
      capabilities: { tools: { listChanged: true } },
      // The list depends on who is asking (gates, scopes, read-only), so it is never shared.
      cacheHints: { 'tools/list': { ttlMs: spec.toolsListTtlMs, cacheScope: 'private' } },
      // requestState comes back from the client: only state this process sealed is accepted, and
      // anything else (tampered, expired, another client's) fails the call before the handler runs
      // ("Servers MUST reject state that fails integrity verification", SEP-2322).
      requestState: { verify: (state, ctx) => REQUEST_STATE.verify(state, ctx) },
      // Changes made together (a new practice list updates every tool) reach the client as one.
      debouncedNotificationMethods: ['notifications/tools/list_changed'],
    },
  );
  for (const resource of spec.resources ?? []) {
    server.registerResource(
      resource.name,
      resource.uri,
      { title: resource.title, description: resource.description, mimeType: resource.mimeType },
      (uri) => ({ contents: [{ uri: uri.href, mimeType: resource.mimeType, text: resource.text() }] }),
    );
  }
  const handles = new Map<string, ReturnType<McpServer['registerTool']>>();
  const registrations = new Map(spec.tools.map((tool) => [tool.name, tool]));
  const unlisted = new Set<string>();
  for (const tool of spec.tools) {
    const handle = server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: compactJsonSchema(
          tool.inputSchema,
          tool.onInvalidInput,
          tool.listedSchemas?.input,
          tool.undeclaredArguments,
        ),
        outputSchema: compactJsonSchema(tool.outputSchema, undefined, tool.listedSchemas?.output),
        annotations: tool.annotations,
      },
      async (args: Record<string, unknown>, ctx): Promise<CallToolResult | InputRequiredResult> => {
        const confirmation: Confirmation = {
          answer: confirmationAnswer(ctx.mcpReq.inputResponses),
          // Defined on both eras: initialize-scoped on 2025 connections, per request on 2026-07-28.
          // A 2025 request served statelessly cannot be asked anything (no channel back to it).
          supported: server.server.getClientCapabilities()?.elicitation !== undefined && !statelessLegacy.has(server),
          // State this process sealed (the verify hook above refuses anything else), on a client's
          // retry (2026-07-28) and on the SDK shim's in-process re-entry after elicitation/create
          // (2025 sessions, stdio) alike.
          promptState: ctx.mcpReq.requestState(),
        };
        const progress = progressReporter(ctx);
        const outcome = await tool.execute(args, {
          signal: ctx.mcpReq.signal,
          confirmation,
          credential: credentialOf(ctx),
          progress: progress.report,
        });
        await progress.settled();
        switch (outcome.kind) {
          case 'error':
          case 'ok':
            return callResult(outcome);
          case 'confirm':
            // 2026-07-28: an input_required result the client fulfils and retries, echoing the
            // sealed state; 2025 era: the SDK's shim sends elicitation/create and re-enters the
            // handler with the answer and the same state. Either way the answer arrives bound to
            // this prompt (the write pipeline checks what the state names).
            return inputRequired({
              inputRequests: {
                [CONFIRM_KEY]: inputRequired.elicit({ message: outcome.message, requestedSchema: CONFIRM_SCHEMA }),
              },
              requestState: await mintRequestState(outcome.state, ctx),
            });
        }
      },
    );
    if (!tool.enabled) unlisted.add(tool.name);
    handles.set(tool.name, handle);
  }
  // tools/list is ours: the SDK's own lists every tool it would call, and refuses a call to one it
  // does not list without saying why. Every tool stays registered (and callable: see `enabled`);
  // the list leaves out the ones this caller may not use. Same fields, in registration order.
  server.server.setRequestHandler('tools/list', () => ({
    tools: [...handles]
      .filter(([name]) => !unlisted.has(name))
      .map(([name, handle]) => ({
        name,
        title: handle.title,
        description: handle.description,
        inputSchema: { type: 'object' as const, ...advertisedJson(handle.inputSchema, 'input') },
        ...(handle.outputSchema ? { outputSchema: advertisedJson(handle.outputSchema, 'output') } : {}),
        annotations: handle.annotations,
      })),
  }));
  if (spec.tasks) {
    const registry = spec.tasks;
    offerTasks(server, registry);
    for (const tool of spec.tools) {
      if (tool.task === 'optional' || tool.task === 'required') {
        registerTaskTool(server, tool.name, taskToolOf(tool, registry.limits.runDeadlineMs));
      }
    }
  }
  registerPrompts(server, spec.prompts ?? []);
  return {
    server,
    setEnabled(name, enabled) {
      if (!handles.has(name) || unlisted.has(name) !== enabled) return;
      if (enabled) unlisted.delete(name);
      else unlisted.add(name);
      server.sendToolListChanged();
    },
    setInputSchema(name, schema, listed) {
      const handle = handles.get(name);
      if (!handle) return;
      const registration = registrations.get(name);
      handle.update({
        paramsSchema: compactJsonSchema(
          schema,
          registration?.onInvalidInput,
          listed,
          registration?.undeclaredArguments,
        ),
      });
    },
  };
}

function credentialOf(ctx: ServerContext): MessageCredential | undefined {
  return ctx.http?.authInfo?.extra?.[CALLER_EXTRA_KEY] as MessageCredential | undefined;
}

function callResult(outcome: Exclude<ToolCallOutcome, { kind: 'confirm' }>): CallToolResult {
  return outcome.kind === 'ok'
    ? { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.structured }
    : { content: [{ type: 'text', text: outcome.text }], isError: true };
}

/** A tool's run inside a task: the same `execute` as a call, with the task's signal, progress and deadline. */
function taskToolOf(tool: ToolRegistration, deadlineMs: number): Parameters<typeof registerTaskTool>[2] {
  const schema = compactJsonSchema(tool.inputSchema, undefined, undefined, tool.undeclaredArguments);
  return {
    support: tool.task === 'required' ? 'required' : 'optional',
    async parse(args) {
      const parsed = await schema['~standard'].validate(args);
      return parsed.issues ? undefined : parsed.value;
    },
    async run(args, ctx, run) {
      const outcome = await tool.execute(args, {
        signal: run.signal,
        // A task cannot show a prompt: write tools, which ask, do not opt in.
        confirmation: { answer: 'none', supported: false },
        credential: credentialOf(ctx),
        progress: (done, total, message) => run.report(progressText(done, total, message)),
        task: { deadlineMs },
      });
      if (outcome.kind === 'confirm') {
        return callResult({ kind: 'error', text: 'This tool needs a confirmation, which a task cannot ask for.' });
      }
      return callResult(outcome);
    },
  };
}

function progressText(done: number, total: number | undefined, message: string | undefined): string {
  const count = total === undefined ? `${done} done` : `${done} of ${total} done`;
  return message ? `${message}: ${count}` : count;
}

/**
 * notifications/progress for this request when the client sent a progress token, else undefined.
 * The spec wants progress to increase with each notification, so a report that does not move it
 * forward is dropped. `settled` resolves once every notification sent so far has been handed to
 * the transport: the result must not overtake them (a client stops listening for a request's
 * progress once its answer arrives). One that cannot be delivered (client gone) is not the call's failure.
 */
function progressReporter(ctx: ServerContext): {
  report: ((done: number, total?: number, message?: string) => void) | undefined;
  settled: () => Promise<void>;
} {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return { report: undefined, settled: async () => {} };
  let last = Number.NEGATIVE_INFINITY;
  let sent: Promise<void> = Promise.resolve();
  const report = (done: number, total?: number, message?: string) => {
    if (!(done > last)) return;
    last = done;
    const notification = ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: {
        progressToken,
        progress: done,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message }),
      },
    });
    sent = Promise.all([sent, notification.catch(() => {})]).then(() => {});
  };
  return { report, settled: () => sent };
}

/** The JSON Schema a registered schema advertises (what the SDK's own tools/list would emit). */
function advertisedJson(schema: StandardSchemaWithJSON | undefined, io: 'input' | 'output'): Record<string, unknown> {
  if (!schema) return { properties: {} };
  const convert = schema['~standard'].jsonSchema[io];
  return convert({ target: LISTED_TARGET } as Parameters<typeof convert>[0]) as Record<string, unknown>;
}

// A per-process key by default: a state minted for one round of a 2026-07-28 flow is echoed to
// this process by the next round (stdio, or one HTTP instance). Replicas behind a load balancer
// share keys from configuration (useRequestStateKeys): the first seals, any of them opens (a
// rotated key). It is bound to the method and the authenticated client.
const requestStateCodec = (key: Uint8Array) =>
  createRequestStateCodec<unknown>({
    // Longer than a confirmation lives (CONFIRMATION_TTL_MS): the pipeline's own expiry is the one
    // the person hears about ("That confirmation is too old").
    ttlSeconds: 15 * 60,
    key,
    bind: (ctx) => `${ctx.mcpReq.method}\u0000${ctx.http?.authInfo?.clientId ?? ''}`,
  });
let requestStateCodecs = [requestStateCodec(randomBytes(32))];
const REQUEST_STATE = {
  mint: (payload: unknown, ctx: ServerContext) =>
    (requestStateCodecs[0] as ReturnType<typeof requestStateCodec>).mint(payload, ctx),
  async verify(state: string, ctx: ServerContext): Promise<unknown> {
    let failure: unknown;
    for (const codec of requestStateCodecs) {
      try {
        return await codec.verify(state, ctx);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  },
};

/** Keys shared by every replica (from configuration): the first seals requestState, any opens it. */
export function useRequestStateKeys(keys: readonly Uint8Array[]): void {
  if (keys.length > 0) requestStateCodecs = keys.map(requestStateCodec);
}

/**
 * Seals a multi-round `requestState` that this server's verify hook will accept on the next round.
 * Exported for the conformance fixtures (conformance/fixtures.ts), which mint state the same way.
 */
export function mintRequestState(payload: unknown, ctx: ServerContext): Promise<string> {
  return REQUEST_STATE.mint(payload, ctx);
}

const CONFIRM_KEY = 'confirm';
const CONFIRM_SCHEMA = z.object({
  confirm: z.boolean().meta({ title: 'Yes, go ahead', description: 'Leave unticked (or decline) to change nothing.' }),
});

function confirmationAnswer(responses: Record<string, unknown> | undefined): Confirmation['answer'] {
  const view = inputResponse(responses, CONFIRM_KEY);
  if (view.kind !== 'elicit') return 'none';
  if (view.action === 'cancel') return 'cancelled';
  if (view.action === 'decline') return 'declined';
  const parsed = CONFIRM_SCHEMA.safeParse(view.content);
  return parsed.success && parsed.data.confirm ? 'accepted' : 'declined';
}

// Tool definitions are module-level, but HTTP builds a server per request: converting every
// schema to JSON Schema again on each request is work the answer never changes.
const conversions = new WeakMap<z.ZodObject, Map<string, Record<string, unknown>>>();

function converted(
  schema: z.ZodObject,
  io: 'input' | 'output',
  target: unknown,
  convert: () => unknown,
): Record<string, unknown> {
  let bySchema = conversions.get(schema);
  if (!bySchema) {
    bySchema = new Map();
    conversions.set(schema, bySchema);
  }
  const key = `${io}:${String(target)}`;
  let json = bySchema.get(key);
  if (!json) {
    json = convert() as Record<string, unknown>;
    bySchema.set(key, json);
  }
  return json;
}

type StandardWithJson = StandardSchemaWithJSON<Record<string, unknown>, Record<string, unknown>>['~standard'];

/** zod 4 schemas carry Standard Schema with JSON Schema conversion (zod ≥ 4.2). */
function standardOf(schema: z.ZodObject): StandardWithJson {
  return schema['~standard'] as unknown as StandardWithJson;
}

/** The JSON Schema draft the SDK asks schemas for when it lists tools. */
const LISTED_TARGET = 'draft-2020-12';

/**
 * The JSON Schema a tool advertises for a zod schema: zod's conversion without the keywords that
 * cost tokens and tell a model nothing — `$schema` on every schema and `additionalProperties:
 * false` on every object (zod objects strip unknown keys instead of rejecting them, so advertising
 * `false` would not even be accurate for inputs), and the length and item-count caps (sanity
 * limits on ids and names that no real argument nears; the server still enforces them and says
 * which argument was too long) — and, for outputs, without `required` lists (which keys are
 * always present is not worth repeating every property name).
 */
export function listedJsonSchema(
  schema: z.ZodObject,
  io: 'input' | 'output',
  target: unknown = LISTED_TARGET,
): Record<string, unknown> {
  const standard = standardOf(schema);
  const options = { target } as Parameters<typeof standard.jsonSchema.input>[0];
  return converted(schema, io, target, () =>
    withoutNoise(
      io === 'input' ? standard.jsonSchema.input(options) : standard.jsonSchema.output(options),
      io === 'output',
    ),
  );
}

const UNLISTED_CAPS = new Set(['minLength', 'maxLength', 'minItems', 'maxItems']);

function withoutNoise(node: unknown, dropRequired: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutNoise(item, dropRequired));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || (key === 'additionalProperties' && value === false)) continue;
    if (UNLISTED_CAPS.has(key) && typeof value === 'number') continue;
    if (dropRequired && key === 'required' && Array.isArray(value)) continue;
    out[key] = withoutNoise(value, dropRequired);
  }
  return out;
}

type CompactSchema = StandardSchemaWithJSON<Record<string, unknown>, Record<string, unknown>>;

/**
 * The zod schema (its validation), advertised as `listedJsonSchema` or as given ahead of time;
 * `undeclared` arguments are handed on as sent when the schema does not declare them.
 */
function compactJsonSchema(
  schema: ZodObjectSource,
  onInvalid?: (value: unknown) => void,
  listed?: Record<string, unknown>,
  undeclared: readonly string[] = [],
): CompactSchema {
  const shared = sharedCompactSchema(schema, listed, undeclared);
  if (!onInvalid) return shared;
  const standard = shared['~standard'];
  const validate: typeof standard.validate = (value, options) => {
    const result = standard.validate(value, options);
    const audited = (settled: Awaited<typeof result>) => {
      if (settled.issues) onInvalid(value);
      return settled;
    };
    return result instanceof Promise ? result.then(audited) : audited(result);
  };
  return { '~standard': { ...standard, validate } };
}

// HTTP builds a server per request: what a schema validates and advertises does not depend on
// the caller, so it is put together once per schema, listing and undeclared arguments.
const compactSchemas = new WeakMap<
  ZodObjectSource,
  Map<Record<string, unknown> | undefined, Map<string, CompactSchema>>
>();

function sharedCompactSchema(
  schema: ZodObjectSource,
  listed: Record<string, unknown> | undefined,
  undeclared: readonly string[],
): CompactSchema {
  let byListed = compactSchemas.get(schema);
  if (!byListed) {
    byListed = new Map();
    compactSchemas.set(schema, byListed);
  }
  let byUndeclared = byListed.get(listed);
  if (!byUndeclared) {
    byUndeclared = new Map();
    byListed.set(listed, byUndeclared);
  }
  const key = undeclared.join('\u0000');
  let compact = byUndeclared.get(key);
  if (!compact) {
    compact = buildCompactSchema(schema, listed, undeclared);
    byUndeclared.set(key, compact);
  }
  return compact;
}

function buildCompactSchema(
  source: ZodObjectSource,
  listed: Record<string, unknown> | undefined,
  undeclared: readonly string[],
): CompactSchema {
  let schema: z.ZodObject | undefined;
  const schemaOf = () => {
    schema ??= typeof source === 'function' ? source() : source;
    return schema;
  };
  const zodValidate: StandardWithJson['validate'] = (value, options) => standardOf(schemaOf()).validate(value, options);
  const validate: StandardWithJson['validate'] =
    undeclared.length > 0
      ? (value, options) => {
          const finish = (result: Awaited<ReturnType<StandardWithJson['validate']>>) =>
            result.issues ? result : { value: withUndeclared(result.value, value, undeclared) };
          const result = zodValidate(value, options);
          return result instanceof Promise ? result.then(finish) : finish(result);
        }
      : zodValidate;
  const advertised = (io: 'input' | 'output', target: unknown) =>
    listed && target === LISTED_TARGET ? listed : listedJsonSchema(schemaOf(), io, target);
  return {
    '~standard': {
      // What zod's own `~standard` says of itself (zod/v4/core standardProps).
      vendor: 'zod',
      version: 1,
      validate,
      jsonSchema: {
        input: (options) => advertised('input', options.target),
        output: (options) => advertised('output', options.target),
      },
    },
  };
}

/** `parsed` with each of `keys` that `raw` carries and `parsed` lacks (zod objects strip undeclared keys). */
function withUndeclared(
  parsed: Record<string, unknown>,
  raw: unknown,
  keys: readonly string[],
): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return parsed;
  const sent = raw as Record<string, unknown>;
  const kept = keys.filter((key) => Object.hasOwn(sent, key) && !Object.hasOwn(parsed, key));
  return kept.length === 0 ? parsed : { ...parsed, ...Object.fromEntries(kept.map((key) => [key, sent[key]])) };
}

export interface StdioHandle {
  close: () => Promise<void>;
}

/** Serves MCP on this process's stdin/stdout: 2026-07-28 and 2025-era clients alike. */
export function serveOnStdio(
  factory: (era: ProtocolEra) => McpServerInstance | Promise<McpServerInstance>,
  onError: (error: Error) => void,
): StdioHandle {
  return serveStdio(({ era }) => factory(era), { onerror: onError });
}

/** Servers built to answer one 2025-era request statelessly: they cannot send the client a request. */
const statelessLegacy = new WeakSet<McpServer>();

/** Marks a server that serves one 2025-era request without a session (no way to ask the person). */
export function markStatelessLegacy(server: McpServerInstance): McpServerInstance {
  statelessLegacy.add(server);
  return server;
}

export interface FetchHandler {
  /** Serves one web-standard request: 2026-07-28 per request, 2025-era requests statelessly. */
  fetch: (request: Request) => Promise<Response>;
  close: () => Promise<void>;
}

/** An in-process Streamable HTTP endpoint for a server factory (tests and embedding). */
export function createFetchHandler(
  factory: (era: ProtocolEra) => McpServerInstance | Promise<McpServerInstance>,
): FetchHandler {
  const handler = createMcpHandler(async ({ era }) => {
    const server = await factory(era);
    return era === 'legacy' ? markStatelessLegacy(server) : server;
  });
  return { fetch: (request) => handler.fetch(request), close: () => handler.close() };
}
