/**
 * A credential that reaches hundreds of practices (a large DSO): the `practice` argument of every
 * tool must not name them all, or the listing grows with the practice count. The model gives a
 * name or an id; an unknown or ambiguous name is refused with a few of the closest names, never
 * guessed. A real MCP client, the server in process, the sandbox over HTTP with extra practices.
 * The protocol era does not matter here: the argument and the refusal are decided by the server
 * build and the tenancy module whatever the transport; the listing is compared across both eras.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { callError, connectInProcess, rawGet, startTestSandbox } from '../helpers/harness.js';

const STEMS = ['Cedar', 'Maple', 'Harbor', 'Summit', 'Willow', 'Granite', 'Meadow', 'Lakeside', 'Canyon', 'Orchard'];
/** Two practices a shortened name cannot tell apart. */
const TWINS = ['Riverside Family Dental North', 'Riverside Family Dental South'];
const extraNames = (count: number) => [
  ...TWINS,
  ...Array.from(
    { length: count - TWINS.length },
    (_, i) => `${STEMS[i % STEMS.length]} Dental ${String(i + 1).padStart(3, '0')}`,
  ),
];

interface AccessibleRow {
  id: string;
  name: string;
}

let few: RunningSandbox;
let many: RunningSandbox;

beforeAll(async () => {
  few = await startTestSandbox({ extraPractices: extraNames(20) });
  many = await startTestSandbox({ extraPractices: extraNames(200) });
}, 120_000);

afterAll(async () => {
  await few?.close();
  await many?.close();
});

const sizeByTool = (tools: { name: string }[]) => new Map(tools.map((t) => [t.name, JSON.stringify(t).length]));

describe('a credential reaching many practices', () => {
  it('the listing per tool does not grow with the practice count, and names no practice', async () => {
    const rows = await rawGet<AccessibleRow[]>(many, '/api/v1/practice/accessible/');
    expect(rows.length).toBeGreaterThanOrEqual(200);
    const small = await connectInProcess({ sandbox: few });
    const large = await connectInProcess({ sandbox: many });
    try {
      const { tools: fewTools } = await small.client.listTools();
      const { tools: manyTools } = await large.client.listTools();
      expect(manyTools.map((t) => t.name)).toEqual(fewTools.map((t) => t.name));
      const fewSizes = sizeByTool(fewTools);
      const withPractice = manyTools.filter((t) => 'practice' in (t.inputSchema.properties ?? {}));
      expect(withPractice.length).toBeGreaterThan(0);
      for (const tool of manyTools) {
        // The count of practices is stated, so 202 against 22 may add a digit; nothing else differs.
        const grown = JSON.stringify(tool).length - (fewSizes.get(tool.name) ?? 0);
        expect(grown, tool.name).toBeLessThanOrEqual(1);
      }
      const listing = JSON.stringify(manyTools);
      for (const row of rows) expect(listing).not.toContain(row.name);
      const properties = withPractice[0]?.inputSchema.properties as Record<string, { description?: string }>;
      const description = properties.practice?.description;
      expect(description).toContain(`${rows.length} practices`);
      // The 2025 era lists the same tools with the same argument.
      const legacy = await connectInProcess({ sandbox: many, era: 'legacy' });
      try {
        expect(JSON.stringify((await legacy.client.listTools()).tools)).toBe(listing);
      } finally {
        await legacy.close();
      }
      console.info(
        `[figures] tools/list (o200k_base tokens, --toolsets all): ${fewTools.length} tools; ${countTokens(JSON.stringify(fewTools))} with 23 practices, ${countTokens(listing)} with 203; practice description ${description?.length} chars`,
      );
    } finally {
      await small.close();
      await large.close();
    }
  }, 120_000);

  it('a call by exact name or by id acts on that practice; unknown and ambiguous names are refused with a bounded list', async () => {
    const rows = await rawGet<AccessibleRow[]>(many, '/api/v1/practice/accessible/');
    const target = rows.find((r) => r.name === 'Harbor Dental 133') as AccessibleRow;
    expect(target).toBeDefined();
    const connection = await connectInProcess({ sandbox: many });
    try {
      // The practice holds no patients: the search runs there and says so, naming the practice.
      const byName = await callError(connection.client, 'find_patient', { practice: target.name, name: 'Nobody Here' });
      expect(byName).toContain(`No patient named "Nobody Here" at ${target.name}`);
      const byId = await callError(connection.client, 'find_patient', { practice: target.id, name: 'Nobody Here' });
      expect(byId).toContain(`No patient named "Nobody Here" at ${target.name}`);

      // A typo: refused, with at most five close names, the intended one among them.
      const typo = await callError(connection.client, 'find_patient', {
        practice: 'Harbr Dental 133',
        name: 'Nobody Here',
      });
      expect(typo).toMatch(/No practice called "Harbr Dental 133"/);
      const namedInTypo = rows.filter((r) => typo.includes(r.name));
      expect(namedInTypo.length).toBeGreaterThan(0);
      expect(namedInTypo.length).toBeLessThanOrEqual(5);
      expect(typo).toContain(target.name);
      expect(typo).toContain(`${rows.length} practices`);

      // Nothing close at all: refused without listing the practices.
      const unknown = await callError(connection.client, 'find_patient', {
        practice: 'Zzyzx Qwv',
        name: 'Nobody Here',
      });
      expect(unknown).toMatch(/No practice called "Zzyzx Qwv"/);
      expect(rows.filter((r) => unknown.includes(r.name)).length).toBeLessThanOrEqual(5);

      // Two candidates: both named, neither chosen.
      const pair = await callError(connection.client, 'find_patient', {
        practice: 'Riverside Family Dental',
        name: 'Nobody Here',
      });
      expect(pair).toMatch(/matches several practices/);
      for (const name of TWINS) expect(pair).toContain(name);

      // Many candidates: a bounded few named, the rest counted, none chosen.
      const broad = await callError(connection.client, 'find_patient', { practice: 'Cedar', name: 'Nobody Here' });
      const cedar = rows.filter((r) => r.name.startsWith('Cedar'));
      expect(cedar.length).toBe(20);
      expect(broad).toMatch(/"Cedar" matches 20 practices/);
      const namedInBroad = cedar.filter((r) => broad.includes(r.name));
      expect(namedInBroad.length).toBe(5);
      expect(broad).toContain('15 more');
    } finally {
      await connection.close();
    }
  }, 120_000);

  it('prompt completion lists the matching practices, at most 100 at a time, and says there are more', async () => {
    const rows = await rawGet<AccessibleRow[]>(many, '/api/v1/practice/accessible/');
    const connection = await connectInProcess({ sandbox: many });
    try {
      const harbor = await connection.client.complete({
        ref: { type: 'ref/prompt', name: 'morning-huddle' },
        argument: { name: 'practice', value: 'harbor' },
      });
      const expected = rows.filter((r) => r.name.toLowerCase().includes('harbor')).map((r) => r.name);
      expect(harbor.completion.values.sort()).toEqual(expected.sort());
      const everything = await connection.client.complete({
        ref: { type: 'ref/prompt', name: 'morning-huddle' },
        argument: { name: 'practice', value: '' },
      });
      expect(everything.completion.values.length).toBe(100);
      expect(everything.completion.total).toBe(rows.length);
      expect(everything.completion.hasMore).toBe(true);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
