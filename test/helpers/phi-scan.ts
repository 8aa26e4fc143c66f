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

export interface SensitiveSet {
  entries: { kind: string; value: string; pattern: RegExp }[];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const digits = (text: string | null) => (text ?? '').replace(/\D/g, '');

export function sensitiveSet(sandbox: RunningSandbox): SensitiveSet {
  const entries: SensitiveSet['entries'] = [];
  const add = (kind: string, value: string | null | undefined, pattern?: RegExp) => {
    if (!value) return;
    entries.push({ kind, value, pattern: pattern ?? new RegExp(escape(value), 'i') });
  };
  for (const data of sandbox.store.practices.values()) {
    for (const p of data.patients) {
      add('patient name', `${p.firstName} ${p.lastName}`);
      add('patient name', `${p.lastName}, ${p.firstName}`);
      if (p.email) add('email', p.email);
      // A birth date as a whole date, not inside an ISO timestamp of the log line itself.
      if (p.dateOfBirth)
        add('date of birth', p.dateOfBirth, new RegExp(`(?<![\\dT-])${escape(p.dateOfBirth)}(?![\\dT])`));
      for (const phone of [p.phoneMobile, p.phoneHome, p.phoneWork]) {
        const d = digits(phone);
        if (d.length >= 10) add('phone', phone, new RegExp(`(?<!\\d)1?${d.slice(-10)}(?!\\d)`));
        if (phone && /\D/.test(phone)) add('phone', phone);
      }
    }
    for (const note of data.notes) if (note.content.length >= 24) add('clinical note text', note.content.slice(0, 40));
    for (const log of data.commlogs) if (log.note.length >= 24) add('message text', log.note.slice(0, 40));
    for (const appointment of data.appointments)
      if (appointment.note.length >= 24) add('appointment note', appointment.note.slice(0, 40));
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
    add('password', user.password, new RegExp(`"${escape(user.password)}"`));
  }
  return { entries: dedupe(entries) };
}

function dedupe(entries: SensitiveSet['entries']): SensitiveSet['entries'] {
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.kind + e.value) ? false : (seen.add(e.kind + e.value), true)));
}

export function scanText(text: string, set: SensitiveSet, file?: string): Finding[] {
  const findings: Finding[] = [];
  for (const entry of set.entries) {
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
