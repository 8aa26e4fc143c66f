/**
 * No patient names, birth dates, phones, emails, chart text or credentials in the logs; one audit
 * line (ids only) per tool call. The workload below goes through every tool, over stdio and in
 * process, on success and failure paths, with patient names and phones in the arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalFormatter } from '../../src/logger.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { type Connection, connectInProcess, connectStdio, rawGet, startTestSandbox } from '../helpers/harness.js';
import { type SensitiveSet, scanText, sensitiveSet } from '../helpers/phi-scan.js';

let sandbox: RunningSandbox;
let set: SensitiveSet;
const connections: Connection[] = [];
let callsMade = 0;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  set = sensitiveSet(sandbox);
  connections.push(await connectStdio({ sandbox, era: 'legacy' }));
  connections.push(await connectInProcess({ sandbox, era: 'modern' }));
  const la = sandbox.fixtures.practices.la;
  const path = (id: string) => `/api/v1/practice/${la.id}/patient/${id}/`;
  const people = await Promise.all(
    [
      la.patients.timeline,
      la.patients.injectionNote,
      ...la.patients.ambiguousName,
      ...la.patients.unicode.slice(0, 1),
    ].map((id) =>
      rawGet<{
        id: string;
        first_name: string;
        last_name: string;
        date_of_birth: string;
        phone_mobile: string | null;
        phone_home: string | null;
      }>(sandbox, path(id)),
    ),
  );
  for (const connection of connections) {
    const call = async (name: string, args: Record<string, unknown>) => {
      callsMade += 1;
      await connection.client.callTool({ name, arguments: { practice: la.name, ...args } }).catch(() => undefined);
    };
    for (const p of people) {
      await call('patient_timeline', { name: `${p.first_name} ${p.last_name}`, date_of_birth: p.date_of_birth });
      await call('patient_timeline', { phone: p.phone_mobile ?? p.phone_home ?? '555-0100' });
      await call('patient_timeline', {
        patient_id: p.id,
        event_types: ['note', 'communication', 'appointment'],
        limit: 50,
      });
      await call('patient_timeline', { name: `${p.first_name} ${p.last_name}`, date_of_birth: '1900-02-30' });
    }
    // Write tools take names and free text too (first round only: nothing is written here).
    const p = people[0];
    await call('find_patient', { name: `${p?.first_name} ${p?.last_name}`, date_of_birth: p?.date_of_birth });
    await call('book_appointment', {
      name: `${p?.first_name} ${p?.last_name}`,
      date_of_birth: p?.date_of_birth,
      start: `${la.dates.extendedHours.date} 10:00`,
      provider: la.dates.extendedHours.providerId,
      duration_minutes: 30,
      note: `Call ${p?.phone_mobile ?? ''} first`,
    });
    await call('find_spot', { duration_minutes: 60, providers: ['Dr. Nobody'] });
    await call('find_spot', { appointment_type: 'Crown Prep', when: 'mornings' });
    await call('claims_summary', { oldest: 25 });
    await call('production_report', { period: 'last_month', trend: 'week', compare_previous: true });
    await call('claims_worklist', { limit: 25 });
    await call('balances_worklist', { limit: 25 });
    await call('kpi_scorecard', {});
    await call('dso_overview', {});
    // Upstream failures must not put upstream bodies (which carry patient data) in the log.
    await sandbox.control.setFaults({ rules: [{ errorRate: 1, errorStatuses: [500], path: '/patient/' }] });
    await call('patient_timeline', { name: `${people[0]?.first_name} ${people[0]?.last_name}` });
    await sandbox.control.clearFaults();
  }
});

afterAll(async () => {
  for (const connection of connections) await connection.close();
  await sandbox?.close();
});

describe('logs and audit lines', () => {
  it('contain no patient data and no credentials', () => {
    expect(set.entries.length).toBeGreaterThan(1000);
    // The scanner itself can see a leak of each kind.
    const patient = [...sandbox.store.practices.values()][0]?.patients[0];
    const planted = JSON.stringify({
      msg: `${patient?.firstName} ${patient?.lastName}`,
      dob: patient?.dateOfBirth,
      token: sandbox.credentials.oauth.service.token,
    });
    expect(new Set(scanText(planted, set).map((f) => f.kind))).toEqual(
      new Set(['patient name', 'date of birth', 'token']),
    );
    for (const connection of connections) {
      const logs = connection.logs();
      expect(logs.length).toBeGreaterThan(1000);
      expect(scanText(logs, set)).toEqual([]);
    }
  });

  it('rendered for a terminal (stderr a TTY), carry none either', async () => {
    // The formatter the server writes with on a terminal (src/logger.ts), with and without colours.
    for (const colorize of [false, true]) {
      const render = await terminalFormatter({ colorize });
      const patient = [...sandbox.store.practices.values()][0]?.patients[0];
      const planted = render(
        `${JSON.stringify({ level: 30, time: Date.now(), msg: `${patient?.firstName} ${patient?.lastName}`, dob: patient?.dateOfBirth })}\n`,
      );
      expect(new Set(scanText(planted, set).map((f) => f.kind))).toEqual(new Set(['patient name', 'date of birth']));
      for (const connection of connections) {
        const jsonLines = connection
          .logs()
          .split('\n')
          .filter((line) => line.startsWith('{'));
        const rendered = jsonLines.map((line) => render(`${line}\n`)).join('');
        expect(rendered).not.toMatch(/^\{"level"/m);
        expect(rendered.length).toBeGreaterThan(1000);
        expect(scanText(rendered, set)).toEqual([]);
      }
    }
  });

  it('carry one audit line per tool call, with ids and outcomes only', () => {
    let audits = 0;
    for (const connection of connections) {
      const lines = connection
        .logs()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.audit === true);
      for (const line of lines) {
        // Write tools add the appointment ids they touched and the person's confirmation answer.
        const optional = ['appointmentIds', 'confirmation'];
        expect(
          Object.keys(line)
            .filter((key) => !optional.includes(key))
            .sort(),
        ).toEqual(
          [
            'audit',
            'callId',
            'durationMs',
            'level',
            'msg',
            'outcome',
            'patientIds',
            'practiceId',
            'principal',
            'service',
            'time',
            'tool',
            'upstreamRequests',
          ].sort(),
        );
        for (const id of (line.appointmentIds as string[] | undefined) ?? []) expect(id).toMatch(/^[0-9a-f-]{36}$/);
        // What was asked and answered: opaque prompt/token ids and words from a fixed set, never the summary.
        for (const [key, value] of Object.entries((line.confirmation as Record<string, unknown> | undefined) ?? {})) {
          expect(['asked', 'via', 'answered', 'prompt', 'honoured', 'reason']).toContain(key);
          expect(String(value)).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
        }
        for (const id of line.patientIds as string[]) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(lines.some((line) => (line.patientIds as string[]).length > 0)).toBe(true);
      expect(new Set(lines.map((line) => line.outcome))).toEqual(expect.objectContaining({}));
      audits += lines.length;
    }
    expect(audits).toBe(callsMade);
  });
});
