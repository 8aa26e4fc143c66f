/**
 * The playbooks as prompt registrations, with completions for their `practice` and `provider`
 * arguments: practices from the caller's practice scope, providers from the cached roster of the
 * practice chosen (or pinned). A completion never fails a client: what cannot be read completes
 * to nothing.
 */
import type { EscapeApi } from '../../api/port.js';
import { foldForMatch } from '../../domain/names.js';
import { resolvePractice } from '../../tenancy/practice.js';
import type { PracticeScope } from '../../tenancy/types.js';
import { providerName } from '../framework/shared.js';
import { PLAYBOOKS, type PlaybookArgumentName, renderPlaybook } from './playbooks.js';
import type { PromptRegistration } from './registration.js';

export interface CompletionSources {
  api: Pick<EscapeApi, 'reference'>;
  /** The caller's practices now (the scope changes once the practice list is read). */
  practices: () => PracticeScope;
}

const matching = (typed: string, names: readonly string[]): string[] => {
  const wanted = foldForMatch(typed);
  const starts = names.filter((name) => foldForMatch(name).startsWith(wanted));
  const contains = names.filter((name) => !starts.includes(name) && foldForMatch(name).includes(wanted));
  return [...new Set([...starts, ...contains])];
};

function practiceCompletions(sources: CompletionSources) {
  return async (typed: string): Promise<string[]> => {
    const scope = sources.practices();
    if (scope.pending) return [];
    return matching(
      typed,
      scope.available.map((practice) => practice.name),
    );
  };
}

function providerCompletions(sources: CompletionSources) {
  return async (typed: string, given: Readonly<Record<string, string>>): Promise<string[]> => {
    try {
      const practice = resolvePractice(sources.practices(), given.practice);
      const providers = await sources.api.reference.providers(practice.id);
      const active = providers.filter((provider) => provider.is_active !== false && provider.is_hidden !== true);
      return matching(
        typed,
        active.map(providerName).sort((a, b) => a.localeCompare(b)),
      );
    } catch {
      // No practice chosen yet among several, or the roster could not be read.
      return [];
    }
  };
}

export function playbookPrompts(sources: CompletionSources): PromptRegistration[] {
  const completers: Partial<
    Record<PlaybookArgumentName, NonNullable<PromptRegistration['arguments'][number]['complete']>>
  > = {
    practice: practiceCompletions(sources),
    provider: providerCompletions(sources),
  };
  return PLAYBOOKS.map((playbook) => ({
    name: playbook.name,
    title: playbook.title,
    description: playbook.description,
    arguments: playbook.arguments.map((argument) => ({
      name: argument.name,
      description: argument.description,
      ...(completers[argument.name] ? { complete: completers[argument.name] } : {}),
    })),
    render: (args) => renderPlaybook(playbook, args),
  }));
}
