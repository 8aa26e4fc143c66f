/**
 * MCP prompts: each registered with its arguments, those with a completer offered through
 * completion/complete (the SDK's `completable`). What the prompts say and how arguments complete
 * is decided outside (src/prompts/, server.ts); this module only speaks the SDK.
 */
import { completable, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

export interface PromptArgumentRegistration {
  name: string;
  description: string;
  /** Values for what was typed so far; `given` holds the prompt's other arguments already chosen. */
  complete?: (typed: string, given: Readonly<Record<string, string>>) => Promise<string[]>;
}

export interface PromptRegistration {
  name: string;
  title: string;
  description: string;
  arguments: readonly PromptArgumentRegistration[];
  render: (args: Readonly<Record<string, string | undefined>>) => string;
}

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
