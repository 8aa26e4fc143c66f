/**
 * The operator's local tool policy: a JSON file that can only switch tools off, globally or per
 * practice. It never re-enables a tool Escape's gate rows disabled (decision.ts checks both).
 *
 *   { "disabled": ["book_appointment"], "practices": { "<practice id>": { "disabled": ["claims_summary"] } } }
 *
 * Whole toolsets go the same way: `"disabled_toolsets": ["worklists"]`, at the top or per practice.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TOOLSETS } from '../toolsets.js';

const toolList = z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'tool names are snake_case')).default([]);

const toolsetList = z
  .array(z.enum(TOOLSETS, { error: `toolsets are ${TOOLSETS.join(', ')}` }))
  .optional()
  .transform((list) => list ?? []);

const policySchema = z.strictObject({
  disabled: toolList,
  disabled_toolsets: toolsetList,
  practices: z.record(z.string(), z.strictObject({ disabled: toolList, disabled_toolsets: toolsetList })).default({}),
});

export type LocalPolicy = z.infer<typeof policySchema>;

export const EMPTY_POLICY: LocalPolicy = { disabled: [], disabled_toolsets: [], practices: {} };

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Practices a policy may name: ids, with names only to point out a key that is a name. */
export type PracticeNames = readonly { id: string; name: string }[];

/** What a policy file may name: its tools, and the practices this server knows (undefined until read). */
export interface PolicyVocabulary {
  practices: PracticeNames | undefined;
  tools: readonly string[];
}

export async function loadPolicy(path: string | undefined, known: PolicyVocabulary): Promise<LocalPolicy> {
  if (!path) return EMPTY_POLICY;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PolicyFileError(
      `Cannot read the policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}. Fix the path in --policy-file / ESCAPE_POLICY_FILE.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PolicyFileError(`The policy file ${path} is not valid JSON.`);
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PolicyFileError(
      `The policy file ${path} is not valid: ${issues}. Expected {"disabled": [...], "practices": {"<id>": {"disabled": [...]}}}.`,
    );
  }
  const problems = unknownNames(parsed.data, known);
  if (problems.length > 0) {
    throw new PolicyFileError(
      `The policy file ${path} names what this server does not know, so none of it is applied: ${problems.join('; ')}.`,
    );
  }
  return parsed.data;
}

/**
 * A name the server does not know would silently disable nothing (a practice keyed by its name,
 * a misspelt tool): each one is reported instead.
 */
function unknownNames(policy: LocalPolicy, known: PolicyVocabulary): string[] {
  const problems: string[] = [];
  const tools = new Set(known.tools);
  const named = [...policy.disabled, ...Object.values(policy.practices).flatMap((entry) => entry.disabled)];
  const unknownTools = [...new Set(named)].filter((name) => !tools.has(name));
  if (unknownTools.length > 0) {
    problems.push(
      `unknown tool${unknownTools.length > 1 ? 's' : ''} ${unknownTools.map((t) => `"${t}"`).join(', ')} (the tools are ${[...tools].sort().join(', ')})`,
    );
  }
  if (known.practices) problems.push(...unknownPractices(policy, known.practices));
  return problems;
}

/** The policy's practice keys that name no practice of this server, each said in words. */
export function unknownPractices(policy: LocalPolicy, practices: PracticeNames): string[] {
  const ids = new Set(practices.map((p) => p.id));
  return Object.keys(policy.practices)
    .filter((key) => !ids.has(key))
    .map((key) => {
      const byName = practices.find((p) => p.name.trim().toLowerCase() === key.trim().toLowerCase());
      return byName
        ? `"${key}" is a practice name: key practices by id ("${byName.id}")`
        : `"${key}" is not a practice this server serves (its practices: ${practices.map((p) => `${p.id} "${p.name}"`).join(', ')})`;
    });
}

export function locallyDisabled(policy: LocalPolicy, practiceId: string): Set<string> {
  return new Set([...policy.disabled, ...(policy.practices[practiceId]?.disabled ?? [])]);
}

export function toolsetsDisabled(policy: LocalPolicy, practiceId: string): Set<string> {
  return new Set([...policy.disabled_toolsets, ...(policy.practices[practiceId]?.disabled_toolsets ?? [])]);
}
