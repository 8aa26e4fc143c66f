/**
 * Account and practice discovery (§9.1 bootstrap, T28, C-T32): the accessible-practices list
 * (an invented path, ASSUMPTIONS §1) merged with the `account/me` memberships, practice
 * retrieve, and the practice timezone (cached).
 */
import { isValidTimeZone, unusableTimeZoneReason } from '../../domain/dates.js';
import { shownPlace } from '../../domain/free-text.js';
import type { ReferenceCache } from '../cache.js';
import type { EscapeClient } from '../client.js';
import {
  EscapeApiError,
  Forbidden,
  NotFound,
  PracticeInactive,
  ReauthenticationRequired,
  Unauthorized,
  UnusableUpstreamValue,
} from '../errors.js';
import { normalizePage } from '../pagination.js';
import type { CallOptions, DiscoveredPractice, DiscoveryResult } from '../port.js';
import { AccountMe, Id, Practice } from '../schemas.js';

export interface AccountPort {
  me(options?: CallOptions): Promise<AccountMe>;
}

export interface PracticesPort {
  /** The accessible-practices list merged with the `account/me` memberships (see DiscoveryResult). */
  discover(options?: CallOptions): Promise<DiscoveryResult>;
  /** One practice judged as discovery judges it; undefined when this credential cannot reach it. */
  discoverOne(practiceId: string, options?: CallOptions): Promise<DiscoveredPractice | undefined>;
  retrieve(practiceId: string, options?: CallOptions): Promise<Practice>;
  /** The practice's IANA zone (cached). */
  timezone(practiceId: string, options?: CallOptions): Promise<string>;
}

export function createPracticeResources(
  client: EscapeClient,
  cache: ReferenceCache,
): {
  account: AccountPort;
  practices: PracticesPort;
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
            `practice ${shownPlace(practice.name) ?? practiceId} (an IANA zone name such as America/New_York is needed)`,
            practice.timezone,
            { operation: 'practices.retrieve' },
          );
        }
        return tz;
      },
      options?.signal,
    );

  /**
   * Both sources, merged by id (§9.1 bootstrap): the accessible list (L9833) names the active
   * practices with their zones but, read as the spec says ("Returns active practices", L9834),
   * omits disabled ones; the memberships of `account/me` (L6035) name every practice the user
   * belongs to. A practice only the memberships name is read on its own (practice retrieve) to
   * learn whether it is disabled, unusable or simply not reachable with this credential. One
   * unusable practice is reported as such and never stops the others.
   */
  const discover = async (options?: CallOptions): Promise<DiscoveryResult> => {
    const warnings: string[] = [];
    const missing: string[] = [];
    const [accessible, account] = await Promise.all([
      readSource(
        client
          .request({ operation: 'practices.accessible', signal: options?.signal })
          .then((res) => normalizePage(res.body, 'practices.accessible').rows),
      ),
      readSource(me(options)),
    ]);
    if (accessible.kind === 'absent') {
      // The path is invented (L9833 has no operationId) and OAuth tokens need reports:read.
      warnings.push(
        'The accessible-practices list was not available; practices were read from the account memberships.',
      );
    }
    if (accessible.kind === 'outage') missing.push(`the accessible-practices list (${accessible.error.message})`);
    if (account.kind === 'outage') missing.push(`the account memberships (${account.error.message})`);
    // Neither source answered: nothing to go on, so the attempt fails as a whole (retried later).
    if (accessible.kind !== 'answered' && account.kind !== 'answered') {
      const outage = accessible.kind === 'outage' ? accessible : account.kind === 'outage' ? account : undefined;
      if (outage) throw outage.error;
      throw account.kind === 'absent' ? account.error : (accessible as { error: Error }).error;
    }

    const found = new Map<string, DiscoveredPractice>();
    const names = new Map<string, string>();
    if (accessible.kind === 'answered') {
      for (const row of accessible.value) {
        const practice = fromAccessibleRow(row);
        if (practice === undefined) {
          warnings.push('The accessible-practices list has a row without a readable id; it was left out.');
          continue;
        }
        if (!found.has(practice.id)) found.set(practice.id, practice);
      }
    }
    if (account.kind === 'answered') {
      for (const membership of account.value.memberships ?? []) {
        if (!names.has(membership.practice_id)) {
          names.set(membership.practice_id, membership.practice_name?.trim() || membership.practice_id);
        }
      }
    }
    // Listed by the accessible list without a zone, or named only by a membership: read each one.
    const toRead = [
      ...[...found.values()].filter((p) => p.status === 'available' && p.timezone === '').map((p) => p.id),
      ...[...names.keys()].filter((id) => !found.has(id)),
    ];
    const read = await Promise.all(toRead.map((id) => readOne(id, options, found.get(id)?.name ?? names.get(id))));
    for (const [index, id] of toRead.entries()) {
      const practice = read[index];
      if (practice === undefined) found.delete(id);
      else found.set(id, practice);
    }
    return {
      practices: [...found.values()],
      sources: [
        ...(accessible.kind === 'answered' ? (['accessible'] as const) : []),
        ...(account.kind === 'answered' ? (['memberships'] as const) : []),
      ],
      warnings,
      incomplete: missing.length > 0 ? `Escape Dental did not answer for ${missing.join(' and ')}.` : undefined,
    };
  };

  /** One practice read on its own; undefined when this credential cannot reach it at all. */
  const readOne = async (
    id: string,
    options?: CallOptions,
    knownName?: string,
  ): Promise<DiscoveredPractice | undefined> => {
    const name = knownName ?? id;
    try {
      const practice = await retrieve(id, options);
      if (practice.is_active === false) return { id, name: practice.name?.trim() || name, status: 'disabled' };
      return withZone(id, practice.name?.trim() || name, practice.timezone);
    } catch (error) {
      if (error instanceof PracticeInactive) return { id, name, status: 'disabled' };
      // A membership the credential cannot use (an OAuth app not granted that practice, a
      // membership ended): not this server's practice, as the accessible list would say.
      if (error instanceof NotFound || error instanceof Forbidden) return undefined;
      if (error instanceof EscapeApiError && error.retryable) {
        return {
          id,
          name,
          status: 'unavailable',
          reason: `it could not be read from Escape Dental (${error.message}); this server tries again in the background.`,
          retryable: true,
        };
      }
      if (error instanceof EscapeApiError) {
        return {
          id,
          name,
          status: 'unavailable',
          reason: `it could not be read from Escape Dental: ${error.message}`,
          retryable: false,
        };
      }
      throw error;
    }
  };

  return {
    account: { me },
    practices: { discover, discoverOne: readOne, retrieve, timezone },
  };
}

type SourceRead<T> =
  | { kind: 'answered'; value: T }
  /** Refused or not served (404, 403, an unconfigured or unreadable endpoint): use the other source. */
  | { kind: 'absent'; error: EscapeApiError }
  /** Could not be read right now (5xx, 429, a timeout, the breaker open). */
  | { kind: 'outage'; error: EscapeApiError };

async function readSource<T>(request: Promise<T>): Promise<SourceRead<T>> {
  try {
    return { kind: 'answered', value: await request };
  } catch (error) {
    // A rejected credential is no reason to try the other source: the same credential is used.
    if (error instanceof Unauthorized || error instanceof ReauthenticationRequired) throw error;
    if (error instanceof EscapeApiError && error.retryable) return { kind: 'outage', error };
    if (error instanceof EscapeApiError) return { kind: 'absent', error };
    throw error;
  }
}

/** A row of the accessible list; a zone of '' means "not given", read later with the practice. */
function fromAccessibleRow(row: unknown): DiscoveredPractice | undefined {
  const parsed = Practice.safeParse(row);
  if (!parsed.success) {
    const id = Id.safeParse((row as { id?: unknown } | null)?.id);
    if (!id.success) return undefined;
    const name = (row as { name?: unknown }).name;
    return {
      id: id.data,
      name: typeof name === 'string' && name.trim() !== '' ? name.trim() : id.data,
      status: 'unavailable',
      reason:
        'Escape Dental describes it in a shape this server does not understand (the accessible-practices list), so it is left alone.',
      retryable: false,
    };
  }
  const p = parsed.data;
  const name = p.name?.trim() || p.id;
  if (p.is_active === false) return { id: p.id, name, status: 'disabled' };
  const zone = p.timezone?.trim();
  return zone ? withZone(p.id, name, zone) : { id: p.id, name, status: 'available', timezone: '' };
}

/** Available with its zone, or unavailable saying why the zone cannot be used (T8). */
function withZone(id: string, name: string, zone: string | null | undefined): DiscoveredPractice {
  const trimmed = zone?.trim() ?? '';
  if (trimmed !== '' && isValidTimeZone(trimmed)) return { id, name, status: 'available', timezone: trimmed };
  return { id, name, status: 'unavailable', reason: unusableTimeZoneReason(trimmed), retryable: false };
}
