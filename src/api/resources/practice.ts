/**
 * Account and practice discovery (§9.1 bootstrap, T28, C-T32): the accessible-practices list
 * (an invented path, ASSUMPTIONS §1) with a fallback to `account/me` memberships, practice
 * retrieve, and the practice timezone (cached).
 */
import { isValidTimeZone } from '../../domain/dates.js';
import type { ReferenceCache } from '../cache.js';
import type { EscapeClient } from '../client.js';
import { parseBody } from '../client.js';
import { EndpointNotConfigured, Forbidden, NotFound, UnusableUpstreamValue } from '../errors.js';
import { normalizePage } from '../pagination.js';
import type { CallOptions, DiscoveredPractice, DiscoveryResult, EscapeApi } from '../port.js';
import { AccountMe, Practice } from '../schemas.js';

export function createPracticeResources(
  client: EscapeClient,
  cache: ReferenceCache,
): {
  account: EscapeApi['account'];
  practices: EscapeApi['practices'];
} {
  const me = (options?: CallOptions) =>
    client.requestJson({ operation: 'account.me', signal: options?.signal }, AccountMe);

  const retrieve = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'practice',
      () => client.requestJson({ operation: 'practices.retrieve', params: { practice: practiceId } }, Practice),
      options?.signal,
    );

  const timezone = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'timezone',
      async () => {
        const practice = await retrieve(practiceId);
        const tz = practice.timezone?.trim();
        if (!tz || !isValidTimeZone(tz)) {
          // T8: the format is unstated; we need an IANA zone for every date computation.
          throw new UnusableUpstreamValue(
            'timezone',
            `practice ${practice.name ?? practiceId} (an IANA zone name such as America/New_York is needed)`,
            practice.timezone,
            { operation: 'practices.retrieve' },
          );
        }
        return tz;
      },
      options?.signal,
    );

  const discover = async (options?: CallOptions): Promise<DiscoveryResult> => {
    const warnings: string[] = [];
    try {
      const res = await client.request({ operation: 'practices.accessible', signal: options?.signal });
      const rows = normalizePage(res.body, 'practices.accessible').rows.map((row) =>
        parseBody(Practice, row, 'practices.accessible'),
      );
      const practices: DiscoveredPractice[] = rows.map((p) => ({
        id: p.id,
        name: p.name ?? p.id,
        // Checked when a tool first uses it (tools/invoke.ts), not here: the first zone check
        // loads ICU's zone data (~25 ms), which a start-up need not wait for.
        timezone: p.timezone?.trim() || null,
        isActive: p.is_active !== false,
      }));
      return { practices, source: 'accessible', warnings };
    } catch (error) {
      // The path is invented (L9833 has no operationId) and OAuth tokens need reports:read:
      // fall back to the memberships in account/me.
      if (!(error instanceof NotFound || error instanceof Forbidden || error instanceof EndpointNotConfigured))
        throw error;
      warnings.push(
        'The accessible-practices list was not available; practices were read from the account memberships.',
      );
    }
    const account = await me(options);
    const seen = new Set<string>();
    const practices: DiscoveredPractice[] = [];
    for (const m of account.memberships ?? []) {
      if (seen.has(m.practice_id)) continue;
      seen.add(m.practice_id);
      practices.push({
        id: m.practice_id,
        name: m.practice_name ?? m.practice_id,
        timezone: account.current_practice_id === m.practice_id ? account.practice_timezone?.trim() || null : null,
        isActive: m.is_active !== false,
      });
    }
    return { practices, source: 'memberships', warnings };
  };

  return {
    account: { me },
    practices: { discover, retrieve, timezone },
  };
}
