/**
 * The README's first command, as written: `npm start` (here `npm start -- --port 0`, the README's
 * advice when 3333 is taken, so parallel runs do not collide). What it prints must be enough to
 * connect: the URL and the paste-ready client config are read back from its output, and real MCP
 * clients of both protocol eras connect with nothing else, list the tools and call the one the
 * printed Inspector command calls, with that command's arguments.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Era, LOG_DIR, newClient, REPO_ROOT } from '../helpers/harness.js';

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<void>;
}

function npmStart(): Started {
  // A process group of its own: npm runs the server as a child, and both must stop at the end.
  const child = spawn('npm', ['start', '--', '--port', '0'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once the banner is complete; fails with the output if the process exits first. */
function banner(started: Started): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = started.stdout();
      const lines = text.split('\n');
      const inspector = lines.findIndex((line) => line.startsWith('Try a tool with the MCP Inspector'));
      if (inspector >= 0 && lines.length > inspector + 2) {
        started.child.stdout?.off('data', check);
        resolve(text);
      }
    };
    started.child.stdout?.on('data', check);
    started.child.once('exit', (code) =>
      reject(new Error(`npm start exited (${code}) before printing the connection details:\n${started.stderr()}`)),
    );
    check();
  });
}

/** The line after a heading of the banner, parsed as the JSON a person pastes into that client. */
function pasted(text: string, heading: string): Record<string, unknown> {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith(heading));
  expect(index, `the banner has a "${heading}" section`).toBeGreaterThanOrEqual(0);
  return JSON.parse(lines[index + 1] ?? '') as Record<string, unknown>;
}

/** `--tool-arg 'k=v'` / `--tool-arg k=v` pairs of the printed Inspector command, typed as the Inspector would. */
function inspectorArguments(command: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const match of command.matchAll(/--tool-arg (?:'([^']*)'|(\S+))/g)) {
    const pair = (match[1] ?? match[2]) as string;
    const [key, ...rest] = pair.split('=');
    const value = rest.join('=');
    args[key as string] = /^\d+$/.test(value) ? Number(value) : value;
  }
  return args;
}

describe('npm start', () => {
  let started: Started;
  let output: string;

  beforeAll(async () => {
    started = npmStart();
    output = await banner(started);
  });

  afterAll(async () => {
    if (started.child.exitCode === null && started.child.pid !== undefined) {
      process.kill(-started.child.pid, 'SIGTERM');
      await started.exited;
    }
    mkdirSync(LOG_DIR, { recursive: true });
    appendFileSync(join(LOG_DIR, `npm-start-${process.pid}.log`), started.stderr());
  });

  it('says the data is synthetic and prints the URL with a paste-ready config for each client', () => {
    expect(output).toContain('DEMO DATA');
    expect(output).toContain('Sunset Smiles Dental');
    const url = /serving at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(output)?.[1];
    expect(url).toBeDefined();
    const vscode = pasted(output, 'VS Code') as { servers: Record<string, { url: string }> };
    expect(vscode.servers['escape-dental']?.url).toBe(url);
    const desktop = pasted(output, 'Claude Desktop') as { mcpServers: Record<string, { args: string[] }> };
    expect(desktop.mcpServers['escape-dental']?.args).toContain(url);
    expect(output).toMatch(new RegExp(`claude mcp add --transport http escape-dental ${url}`));
  });

  it.each(['modern', 'legacy'] as Era[])(
    'answers a %s client configured from the printed VS Code config alone',
    async (era) => {
      const config = pasted(output, 'VS Code') as {
        servers: Record<string, { url: string; headers?: Record<string, string> }>;
      };
      const server = config.servers['escape-dental'];
      expect(server).toBeDefined();
      const client = newClient(era);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(server?.url as string), {
          requestInit: { headers: server?.headers ?? {} },
        }),
      );
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(
          expect.arrayContaining(['find_spot', 'patient_timeline', 'day_brief', 'recall_worklist']),
        );

        const lines = output.split('\n');
        const command = lines[lines.findIndex((l) => l.startsWith('Try a tool with the MCP Inspector')) + 1] ?? '';
        const tool = /--tool-name (\S+)/.exec(command)?.[1] as string;
        const result = await client.callTool({ name: tool, arguments: inspectorArguments(command) });
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        expect(result.structuredContent).toBeDefined();
      } finally {
        await client.close();
      }
    },
  );

  it('refuses a client that did not paste the key', async () => {
    const url = /serving at (http:\S+\/mcp)/.exec(output)?.[1] as string;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
  });
});
