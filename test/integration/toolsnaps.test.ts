/**
 * One wire snapshot per listed tool (test/helpers/toolsnaps.ts): a missing, stale or orphaned
 * snapshot fails here, and the message says what to run. UPDATE_TOOLSNAPS=1 rewrites them.
 * Both protocol eras list the same tools, so one snapshot stands for both, and so does the
 * built bundle (dist/cli.js, with its schemas converted ahead of time) over stdio.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, startTestSandbox } from '../helpers/harness.js';
import {
  listedTools,
  snapshotFile,
  toolsnapProblems,
  UPDATE_COMMAND,
  type WireTool,
  writeToolsnaps,
} from '../helpers/toolsnaps.js';

let modern: WireTool[];
let legacy: WireTool[];

beforeAll(async () => {
  [modern, legacy] = [await listedTools('modern'), await listedTools('legacy')];
  if (process.env.UPDATE_TOOLSNAPS === '1') writeToolsnaps(modern);
}, 120_000);

describe('wire snapshots of tools/list', () => {
  it('match what tools/list sends, one file per tool', () => {
    expect(modern.length).toBeGreaterThan(0);
    expect(toolsnapProblems(modern)).toEqual([]);
  });

  it('stand for both protocol eras', () => {
    expect(legacy).toEqual(modern);
  });

  it('stand for the built bundle over stdio', async () => {
    const sandbox = await startTestSandbox();
    try {
      const stdio = await connectStdio({ sandbox, env: { ESCAPE_PRACTICE: sandbox.fixtures.practices.ny.id } });
      try {
        const { tools } = await stdio.client.listTools();
        expect(tools).toEqual(modern);
      } finally {
        await stdio.close();
      }
    } finally {
      await sandbox.close();
    }
  });

  it('hold the tool as sent and its token count', () => {
    for (const tool of modern) {
      const snap = JSON.parse(readFileSync(snapshotFile(tool.name), 'utf8')) as { tokens: number; tool: unknown };
      expect(snap.tool).toEqual(tool);
      expect(Number.isInteger(snap.tokens)).toBe(true);
      // A token is rarely longer than a few characters of JSON: a figure far off that is not a count.
      const length = JSON.stringify(tool).length;
      expect(snap.tokens).toBeGreaterThan(length / 8);
      expect(snap.tokens).toBeLessThan(length);
    }
  });

  describe('fails, saying what to run, on', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'toolsnaps-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing, a stale and an orphaned snapshot', () => {
      const [first, second] = modern as [WireTool, WireTool];
      writeToolsnaps(modern, dir);
      rmSync(snapshotFile(first.name, dir));
      writeFileSync(
        snapshotFile(second.name, dir),
        readFileSync(snapshotFile(second.name, dir), 'utf8').replace('"', "'"),
      );
      writeFileSync(snapshotFile('retired_tool', dir), '{}\n');
      const problems = toolsnapProblems(modern, dir);
      expect(problems).toEqual([
        `${first.name}: no wire snapshot test/__toolsnaps__/${first.name}.json; run ${UPDATE_COMMAND}`,
        `${second.name}: test/__toolsnaps__/${second.name}.json is stale (tools/list sends something else); review the change, then run ${UPDATE_COMMAND}`,
        `retired_tool: test/__toolsnaps__/retired_tool.json is for a tool tools/list no longer sends; run ${UPDATE_COMMAND}`,
      ]);
      writeToolsnaps(modern, dir);
      expect(toolsnapProblems(modern, dir)).toEqual([]);
    });
  });
});
