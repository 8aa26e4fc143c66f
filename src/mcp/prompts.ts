/**
 * MCP prompts: each registered with its arguments, those with a completer offered through
 * completion/complete (the SDK's `completable`). What the prompts say and how arguments complete
 * is decided outside (src/tools/prompts/, server.ts); this module only speaks the SDK.
 */
import { completable, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { PromptRegistration } from '../tools/prompts/registration.js';

export type { PromptArgumentRegistration, PromptRegistration } from '../tools/prompts/registration.js';

/** MCP caps a completion answer at 100 values. */
const MAX_COMPLETIONS = 100;

export function registerPrompts(server: McpServer, prompts: readonly PromptRegistration[]): void {
  for (const prompt of prompts) {
    const shape = Object.fromEntries(
      prompt.arguments.map((argument) => {
        const text = z.string().max(200).describe(argument.description);
        const field = argument.complete
          ? completable(
              text,
              async (typed, context) =>
                (await argument.complete?.(typed ?? '', context?.arguments ?? {}))?.slice(0, MAX_COMPLETIONS) ?? [],
            )
          : text;
        return [argument.name, field.optional()];
      }),
    );
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: z.object(shape) },
      (args: Record<string, string | undefined>) => ({
        description: prompt.description,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.render(args) } }],
      }),
    );
  }
}
