/**
 * The operator's local tool policy: a JSON file that can only switch tools off, globally or per
 * practice. It never re-enables a tool Escape's gate rows disabled (decision.ts checks both).
 *
 *   { "disabled": ["book_appointment"], "practices": { "<practice id>": { "disabled": ["claims_summary"] } } }
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const toolList = z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'tool names are snake_case')).default([]);

const policySchema = z.strictObject({
  disabled: toolList,
  practices: z.record(z.string(), z.strictObject({ disabled: toolList })).default({}),
});

export type LocalPolicy = z.infer<typeof policySchema>;

export const EMPTY_POLICY: LocalPolicy = { disabled: [], practices: {} };

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

export async function loadPolicy(path: string | undefined): Promise<LocalPolicy> {
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
  return parsed.data;
}

export function locallyDisabled(policy: LocalPolicy, practiceId: string): Set<string> {
  return new Set([...policy.disabled, ...(policy.practices[practiceId]?.disabled ?? [])]);
}
