/**
 * MCP prompts: each registered with its arguments, those with a completer offered through
 * completion/complete (the SDK's `completable`). What the prompts say and how arguments complete
 * is decided outside (src/tools/prompts/, server.ts); this module only speaks the SDK.
 */
import {
  type CompleteRequest,
  type CompleteResult,
  completable,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { PromptArgumentRegistration, PromptRegistration } from '../tools/prompts/registration.js';

export type { PromptArgumentRegistration, PromptRegistration } from '../tools/prompts/registration.js';

/** MCP caps a completion answer at 100 values. */
const MAX_COMPLETIONS = 100;

type Completer = NonNullable<PromptArgumentRegistration['complete']>;
type ArgsSchema = z.ZodObject<Record<string, z.ZodOptional<z.ZodString>>>;
type RequestHandler = (request: CompleteRequest, ctx: ServerContext) => Promise<CompleteResult>;

// HTTP builds a server per request, and building these zod objects was most of that build; the
// schemas only carry names and descriptions, so each prompt's is built once and shared. What a
// completion answers depends on the caller, so it is looked up per server (see below), never
// through a completer stored on a shared schema.
const argsSchemas = new Map<string, { arguments: readonly PromptArgumentRegistration[]; schema: ArgsSchema }>();

/** Marks a field completable (the SDK then offers completion/complete); the answers come from `answerCompletion`. */
const noCompletions = async (): Promise<string[]> => [];

const sameFields = (a: readonly PromptArgumentRegistration[], b: readonly PromptArgumentRegistration[]) =>
  a.length === b.length &&
  a.every(
    (argument, i) =>
      argument.name === b[i]?.name &&
      argument.description === b[i]?.description &&
      (argument.complete === undefined) === (b[i]?.complete === undefined),
  );

function argsSchemaOf(prompt: PromptRegistration): ArgsSchema {
  const known = argsSchemas.get(prompt.name);
  if (known && sameFields(known.arguments, prompt.arguments)) return known.schema;
  const shape = Object.fromEntries(
    prompt.arguments.map((argument) => {
      const text = z.string().max(200).describe(argument.description);
      return [argument.name, (argument.complete ? completable(text, noCompletions) : text).optional()];
    }),
  );
  const schema = z.object(shape);
  argsSchemas.set(prompt.name, { arguments: prompt.arguments, schema });
  return schema;
}

export function registerPrompts(server: McpServer, prompts: readonly PromptRegistration[]): void {
  const completers = new Map<string, Map<string, Completer>>();
  for (const prompt of prompts) {
    const byArgument = new Map<string, Completer>();
    for (const argument of prompt.arguments) if (argument.complete) byArgument.set(argument.name, argument.complete);
    completers.set(prompt.name, byArgument);
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: argsSchemaOf(prompt) },
      (args: Record<string, string | undefined>) => ({
        description: prompt.description,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.render(args) } }],
      }),
    );
  }
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, RequestHandler> })._requestHandlers;
  const sdkCompletion = handlers?.get('completion/complete');
  if (!sdkCompletion) return;
  // The SDK's own handler answers resource references; prompt arguments complete with this server's completers.
  server.server.setRequestHandler('completion/complete', (request, ctx) =>
    request.params.ref.type === 'ref/prompt'
      ? answerCompletion(completers, request.params.ref.name, request.params.argument, request.params.context)
      : sdkCompletion(request, ctx),
  );
}

/** What the SDK's prompt completion answers, with the completer of the server the request reached. */
async function answerCompletion(
  completers: ReadonlyMap<string, ReadonlyMap<string, Completer>>,
  promptName: string,
  argument: CompleteRequest['params']['argument'],
  context: CompleteRequest['params']['context'],
): Promise<CompleteResult> {
  const byArgument = completers.get(promptName);
  if (!byArgument) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${promptName} not found`);
  const complete = byArgument.get(argument.name);
  if (!complete) return { completion: { values: [], hasMore: false } };
  const all = await complete(argument.value ?? '', context?.arguments ?? {});
  const values = all.slice(0, MAX_COMPLETIONS);
  return { completion: { values: values.map(String), total: all.length, hasMore: all.length > values.length } };
}
