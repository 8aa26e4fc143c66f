/**
 * The front-desk prompts (issue 17 item 5) through a real MCP client and server, both protocol
 * eras: prompts/list, prompts/get naming the tools in order with arguments, completion/complete
 * for `practice` (the caller's practices) and `provider` (the chosen practice's roster, read raw
 * from the sandbox here), and the playbook tool answering the same text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { callOk, connectInProcess, type InProcessConnection, rawList, startTestSandbox } from '../helpers/harness.js';

interface RawProvider {
  id: string;
  first_name: string | null;
  last_name: string | null;
  provider_type: string | null;
  is_active: boolean | null;
  is_hidden: boolean | null;
}

const PROMPTS = ['fill-todays-gaps', 'morning-huddle', 'recall-calls'];
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

describe.each(['modern', 'legacy'] as const)('prompts (%s era)', (era) => {
  let connection: InProcessConnection;
  beforeAll(async () => {
    connection = await connectInProcess({ sandbox, era });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('lists the three playbooks with practice and provider arguments', async () => {
    const { prompts } = await connection.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(PROMPTS);
    for (const prompt of prompts) {
      const names = (prompt.arguments ?? []).map((a) => a.name);
      expect(names).toEqual(expect.arrayContaining(['practice', 'provider']));
      expect((prompt.arguments ?? []).every((a) => !a.required)).toBe(true);
    }
  });

  it('recall-calls names recall_worklist, log_contact, find_spot and book_appointment in order, with the practice', async () => {
    const la = sandbox.fixtures.practices.la;
    const result = await connection.client.getPrompt({ name: 'recall-calls', arguments: { practice: la.name } });
    const text = result.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    const order = ['recall_worklist', 'log_contact', 'find_spot', 'book_appointment'].map((tool) =>
      text.indexOf(`. ${tool} {`),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain(`practice: ${JSON.stringify(la.name)}`);
    expect(text).toContain('do_not_contact');
  });

  it('morning-huddle and fill-todays-gaps start with day_brief for the date given', async () => {
    for (const name of ['morning-huddle', 'fill-todays-gaps']) {
      const result = await connection.client.getPrompt({
        name,
        arguments: { practice: 'Hudson Street Dental', date: '2026-03-02', provider: 'Dr. Example' },
      });
      const text = result.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
      expect(text).toMatch(/^.*\n1\. day_brief \{ practice: "Hudson Street Dental", date: "2026-03-02" \}/);
      expect(text).toContain('fill_opening');
      expect(text).toContain('provider: "Dr. Example"');
    }
  });

  it('completes practice from the practices the caller may use', async () => {
    const { la, ny, chicago } = sandbox.fixtures.practices;
    const usable = [la, ny].map((p) => p.name);
    for (const typed of ['', la.name.slice(0, 3), ny.name.slice(0, 4).toLowerCase(), 'zzz']) {
      const { completion } = await connection.client.complete({
        ref: { type: 'ref/prompt', name: 'morning-huddle' },
        argument: { name: 'practice', value: typed },
      });
      const expected = usable.filter((name) => fold(name).includes(fold(typed)));
      expect(completion.values.sort(), typed).toEqual(expected.sort());
      expect(completion.values).not.toContain(chicago.name);
    }
  });

  it("completes provider from the chosen practice's active roster, and offers none before a practice is chosen", async () => {
    const la = sandbox.fixtures.practices.la;
    const roster = await rawList<RawProvider>(sandbox, `/api/v1/practice/${la.id}/provider/`);
    const names = roster
      .filter((p) => p.is_active !== false && p.is_hidden !== true)
      .map((p) => {
        const name = [p.first_name, p.last_name].filter(Boolean).join(' ');
        return p.provider_type === 'dentist' ? `Dr. ${name}` : name;
      });
    const hygienist = roster.find((p) => p.provider_type === 'hygienist' && p.is_active !== false);
    const typed = hygienist?.first_name?.slice(0, 2) ?? '';
    const { completion } = await connection.client.complete({
      ref: { type: 'ref/prompt', name: 'recall-calls' },
      argument: { name: 'provider', value: typed },
      context: { arguments: { practice: la.name } },
    });
    const expected = names.filter((n) => fold(n).includes(fold(typed)));
    expect(expected.length).toBeGreaterThan(0);
    expect(completion.values.sort()).toEqual(expected.sort());
    const inactive = roster.find((p) => p.is_active === false);
    if (inactive?.last_name) expect(completion.values.join('|')).not.toContain(inactive.last_name);

    const none = await connection.client.complete({
      ref: { type: 'ref/prompt', name: 'recall-calls' },
      argument: { name: 'provider', value: typed },
    });
    expect(none.completion.values).toEqual([]);
  });

  it('the playbook tool answers the same text as the prompt', async () => {
    const la = sandbox.fixtures.practices.la;
    const prompt = await connection.client.getPrompt({
      name: 'fill-todays-gaps',
      arguments: { practice: la.name, provider: 'Dr. Example', date: '2026-03-02' },
    });
    const promptText = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    const { structured, text } = await callOk<{ name: string; text: string }>(connection.client, 'playbook', {
      practice: la.name,
      name: 'fill-todays-gaps',
      provider: 'Dr. Example',
      date: '2026-03-02',
    });
    expect(structured.text).toBe(promptText);
    expect(text).toContain(structured.text);
  });
});
