/**
 * The privacy check: which strings must never appear in a log line (patient names, dates of
 * birth, phones, emails, clinical and message text, credentials), and a scanner for log text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSandbox } from '../../src/sandbox/index.js';

export interface Finding {
  kind: string;
  value: string;
  file?: string;
}

export interface SensitiveEntry {
  kind: string;
  value: string;
  pattern: RegExp;
  /**
   * Words (lower-case runs of letters and digits) the text must contain for the pattern to be
   * worth testing: all of `allOf`, or at least one of `anyOf`. A cheap word-set lookup that
   * spares ~20k regex passes over every log; the pattern still decides.
   */
  allOf?: string[];
  anyOf?: string[];
}

export interface SensitiveSet {
  entries: SensitiveEntry[];
}

const wordsOf = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const digits = (text: string | null) => (text ?? '').replace(/\D/g, '');

export function sensitiveSet(sandbox: RunningSandbox): SensitiveSet {
  const entries: SensitiveEntry[] = [];
  const add = (kind: string, value: string | null | undefined, pattern?: RegExp, anyOf?: string[]) => {
    if (!value) return;
    entries.push({
      kind,
      value,
      pattern: pattern ?? new RegExp(escapeRegExp(value), 'i'),
      ...(anyOf ? { anyOf } : { allOf: wordsOf(value) }),
    });
  };
  for (const data of sandbox.store.practices.values()) {
    for (const p of data.patients) {
      add('patient name', `${p.firstName} ${p.lastName}`);
      add('patient name', `${p.lastName}, ${p.firstName}`);
      // The accent-folded form the name matcher searches with ("José Núñez" → "jose nunez").
      const folded = fold(`${p.firstName} ${p.lastName}`);
      if (folded !== `${p.firstName} ${p.lastName}`.toLowerCase()) add('patient name (folded)', folded);
      if (p.preferredName && p.preferredName !== p.firstName) add('patient name', `${p.preferredName} ${p.lastName}`);
      if (p.address && p.address.length >= 8) add('street address', p.address);
      if (p.email) add('email', p.email);
      // A birth date as a whole date, not inside an ISO timestamp of the log line itself.
      if (p.dateOfBirth)
        add('date of birth', p.dateOfBirth, new RegExp(`(?<![\\dT-])${escapeRegExp(p.dateOfBirth)}(?![\\dT])`));
      for (const phone of [p.phoneMobile, p.phoneHome, p.phoneWork]) {
        const d = digits(phone);
        if (d.length >= 10)
          add('phone', phone, new RegExp(`(?<!\\d)1?${d.slice(-10)}(?!\\d)`), [d.slice(-10), `1${d.slice(-10)}`]);
        if (phone && /\D/.test(phone)) add('phone', phone);
      }
    }
    for (const cover of data.patientInsurance)
      if (cover.subscriberId.length >= 6)
        add(
          'insurance subscriber id',
          cover.subscriberId,
          new RegExp(`(?<![\\w-])${escapeRegExp(cover.subscriberId)}(?![\\w-])`),
        );
    for (const note of data.notes) if (note.content.length >= 24) add('clinical note text', opening(note.content));
    for (const log of data.commlogs) if (log.note.length >= 24) add('message text', opening(log.note));
    for (const appointment of data.appointments)
      if (appointment.note.length >= 24) add('appointment note', opening(appointment.note));
  }
  for (const token of sandbox.store.oauthTokens.keys()) add('token', token);
  const credentials = sandbox.credentials;
  for (const user of [
    credentials.service,
    credentials.admin,
    credentials.frontDesk,
    credentials.support,
    credentials.patient,
  ]) {
    add('token', user.access);
    add('token', user.refresh);
    add('password', user.password, new RegExp(`"${escapeRegExp(user.password)}"`));
  }
  return { entries: dedupe(entries) };
}

/**
 * The first ~40 characters of a free text, ending on a whole word: a word cut in half ("pock" of
 * "pockets") is not a word of the log text, so the word-set pre-check would never let it match.
 */
function opening(text: string, length = 40): string {
  if (text.length <= length || !/[\p{L}\p{N}]/u.test(text[length] ?? '')) return text.slice(0, length);
  const cut = text
    .slice(0, length)
    .replace(/[\p{L}\p{N}]+$/u, '')
    .trimEnd();
  return cut.length >= 16 ? cut : text.slice(0, length);
}

/** Lower case without diacritics, like the name matcher's folding. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function dedupe(entries: SensitiveEntry[]): SensitiveEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = e.kind + e.value;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour and style sequences.
const ANSI_SEQUENCE = /\u001b\[[0-9;]*[A-Za-z]/g;

export function scanText(coloured: string, set: SensitiveSet, file?: string): Finding[] {
  const findings: Finding[] = [];
  // Logs rendered for a terminal carry colour codes: "\u001b[36mEmily" would hide the word "emily".
  const text = coloured.replace(ANSI_SEQUENCE, '');
  // Words, and their letter-only and digit-only parts ("x4155550100" also yields "4155550100").
  const lower = text.toLowerCase();
  const words = new Set([...wordsOf(lower), ...(lower.match(/\p{L}+|\p{N}+/gu) ?? [])]);
  for (const entry of set.entries) {
    if (entry.anyOf && !entry.anyOf.some((w) => words.has(w))) continue;
    if (entry.allOf && !entry.allOf.every((w) => words.has(w))) continue;
    if (entry.pattern.test(text)) findings.push({ kind: entry.kind, value: entry.value, ...(file ? { file } : {}) });
  }
  return findings;
}

export function scanDirectory(
  directory: string,
  set: SensitiveSet,
): { files: number; bytes: number; findings: Finding[] } {
  let files = 0;
  let bytes = 0;
  const findings: Finding[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(directory);
  } catch {
    return { files, bytes, findings };
  }
  for (const name of names) {
    const text = readFileSync(join(directory, name), 'utf8');
    files += 1;
    bytes += text.length;
    findings.push(...scanText(text, set, name));
  }
  return { files, bytes, findings };
}
