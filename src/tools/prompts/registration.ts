/** What a prompt is, as the protocol layer (src/mcp/prompts.ts) registers it: plain data and functions, no SDK. */
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
