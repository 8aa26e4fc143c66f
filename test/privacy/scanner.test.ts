/**
 * The privacy scanner itself (test/helpers/phi-scan.ts), which the whole-run scan and the
 * privacy tests rely on: it must see a planted leak of every kind, in the shapes a log line could
 * carry it (JSON-quoted, mid-sentence, digits glued to letters), and see nothing in clean log
 * text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { startTestSandbox } from '../helpers/harness.js';
import { type SensitiveSet, scanText, sensitiveSet } from '../helpers/phi-scan.js';

let sandbox: RunningSandbox;
let set: SensitiveSet;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  set = sensitiveSet(sandbox);
});

afterAll(async () => {
  await sandbox?.close();
});

const kindsIn = (text: string) => new Set(scanText(text, set).map((f) => f.kind));

describe('the privacy scanner', () => {
  it('sees a planted leak of every kind', () => {
    const data = [...sandbox.store.practices.values()][0];
    if (!data) throw new Error('no practice');
    const withPhone = data.patients.find((p) => p.phoneMobile && p.phoneMobile.replace(/\D/g, '').length >= 10);
    const accented = data.patients.find((p) => /[^\x20-\x7e]/.test(`${p.firstName}${p.lastName}`));
    const addressed = data.patients.find((p) => p.address.length >= 8);
    const cover = data.patientInsurance.find((c) => c.subscriberId.length >= 6);
    const note = data.notes.find((n) => n.content.length >= 24);
    expect(withPhone && accented && addressed && cover && note).toBeTruthy();
    const p = data.patients[0];
    const phoneDigits = (withPhone?.phoneMobile ?? '').replace(/\D/g, '').slice(-10);
    const folded = `${accented?.firstName} ${accented?.lastName}`.normalize('NFKD').replace(/\p{M}/gu, '');
    const planted: [string, string][] = [
      ['patient name', JSON.stringify({ msg: `looked up ${p?.firstName} ${p?.lastName}` })],
      ['patient name', `"name":"${p?.lastName}, ${p?.firstName}"`],
      ['patient name (folded)', `search key ${folded.toLowerCase()}`],
      ['date of birth', `{"dob":"${p?.dateOfBirth}"}`],
      ['phone', `{"q":"+1${phoneDigits}"}`],
      ['phone', `{"q":"tel${phoneDigits}"}`],
      ['email', `mail to ${p?.email}`],
      ['street address', `{"addr":"${addressed?.address}"}`],
      ['insurance subscriber id', `{"member":"${cover?.subscriberId}"}`],
      ['clinical note text', `{"content":"${note?.content}"}`],
      ['token', `Bearer ${sandbox.credentials.oauth.service.token}`],
    ];
    for (const [kind, line] of planted) expect(kindsIn(line), `${kind}: ${line}`).toContain(kind);
  });

  it('sees every distinct seeded free text (notes, messages, appointment notes), whichever the day', () => {
    const data = [...sandbox.store.practices.values()][0];
    if (!data) throw new Error('no practice');
    const texts: [string, string][] = [
      ...data.notes.map((n): [string, string] => ['clinical note text', n.content]),
      ...data.commlogs.map((l): [string, string] => ['message text', l.note]),
      ...data.appointments.map((a): [string, string] => ['appointment note', a.note]),
    ];
    const distinct = new Map(texts.filter(([, text]) => text.length >= 24).map(([kind, text]) => [text, kind]));
    expect(distinct.size).toBeGreaterThan(10);
    for (const [text, kind] of distinct) expect(kindsIn(JSON.stringify({ text })), text).toContain(kind);
  });

  it('sees nothing in clean log lines (ids, times, outcomes)', () => {
    const la = sandbox.fixtures.practices.la;
    const clean = [
      JSON.stringify({
        level: 30,
        time: '2026-11-23T16:40:36.865Z',
        audit: true,
        callId: '6f0c1c1e-5a4b-4f7e-9d0a-2b1c3d4e5f60',
        practiceId: la.id,
        patientIds: [la.patients.timeline],
        tool: 'patient_timeline',
        outcome: 'ok',
        durationMs: 41,
      }),
      '{"level":40,"msg":"stdio transport error","error":"ZodError"}',
    ].join('\n');
    expect(scanText(clean, set)).toEqual([]);
  });
});
