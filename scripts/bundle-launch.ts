/**
 * Launches an MCP Bundle the way Claude Desktop does, and checks it answers.
 *
 * A host unpacks the bundle (that directory becomes `${__dirname}`), merges the manifest's
 * user_config defaults with what the user typed, substitutes them into `server.mcp_config` and
 * spawns the command, from a working directory that is not the bundle's (Desktop uses `/`).
 * The substitution here is the reference implementation the mcpb package exports.
 *
 *   tsx scripts/bundle-launch.ts <unpacked bundle dir>
 *
 * runs the scenarios below against that directory: the defaults (sandbox, read-only), a pinned
 * practice, the toolsets setting (two toolsets, then emptied: the default toolsets), and a "real practice" (a sandbox started here, reached through the API URL with an
 * OAuth token, then with a refresh token). test/integration/manifest.test.ts runs the same
 * launcher against the repository itself.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { McpbManifestAny } from '@anthropic-ai/mcpb';
import { getMcpConfigForManifest } from '@anthropic-ai/mcpb/node';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export type UserConfig = Record<string, string | number | boolean | string[]>;

export interface ResolvedLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The command, args and env a host would spawn for these user_config values (undefined: it would not start). */
export async function resolveLaunch(bundleDir: string, userConfig: UserConfig): Promise<ResolvedLaunch | undefined> {
  const dir = resolve(bundleDir);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as McpbManifestAny;
  const home = homedir();
  const resolved = await getMcpConfigForManifest({
    manifest,
    extensionPath: dir,
    systemDirs: {
      HOME: home,
      DESKTOP: join(home, 'Desktop'),
      DOCUMENTS: join(home, 'Documents'),
      DOWNLOADS: join(home, 'Downloads'),
    },
    userConfig,
    pathSeparator: sep,
  });
  if (!resolved) return undefined;
  return { command: resolved.command, args: resolved.args ?? [], env: resolved.env ?? {} };
}

export interface Launched {
  launch: ResolvedLaunch;
  client: Client;
  /** What the server wrote to stderr so far. */
  stderr: () => string;
  close: () => Promise<void>;
}

/**
 * Spawns the resolved command from `/` and connects an MCP client over stdio. `command` "node"
 * is the host's Node.js; here it is the one running this process. `extraEnv` stands in for the
 * host's own environment (HOME, for the refresh-token store).
 */
export async function launchLikeDesktop(
  bundleDir: string,
  userConfig: UserConfig,
  extraEnv: Record<string, string> = {},
): Promise<Launched> {
  const launch = await resolveLaunch(bundleDir, userConfig);
  if (!launch) throw new Error('The host would not start this bundle: a required user_config value is missing.');
  let captured = '';
  const transport = new StdioClientTransport({
    command: launch.command === 'node' ? process.execPath : launch.command,
    args: launch.args,
    env: { ...launch.env, ...extraEnv },
    cwd: '/',
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    captured += chunk.toString('utf8');
  });
  const client = new Client({ name: 'desktop-like-launch', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`The bundle did not start: ${(error as Error).message}\n${captured}`);
  }
  return { launch, client, stderr: () => captured, close: () => client.close() };
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function scenario(
  title: string,
  bundleDir: string,
  userConfig: UserConfig,
  run: (client: Client) => Promise<string>,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const launched = await launchLikeDesktop(bundleDir, userConfig, extraEnv);
  try {
    const detail = await run(launched.client);
    process.stdout.write(`ok   ${title}: ${detail}\n`);
  } catch (error) {
    process.stdout.write(`FAIL ${title}: ${(error as Error).message}\n--- server stderr ---\n${launched.stderr()}\n`);
    throw error;
  } finally {
    await launched.close();
  }
}

async function main(bundleDir: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as {
    tools: { name: string }[];
  };
  const { CATALOG } = await import('../src/tools/registry.js');
  const { DEFAULT_TOOLSETS } = await import('../src/toolsets.js');
  const writing = new Set(CATALOG.filter((tool) => tool.writes).map((tool) => tool.name));
  const toolsetOf = new Map(CATALOG.map((tool) => [tool.name, tool.toolset as string]));

  /**
   * tools/list must be the manifest's tools of these toolsets (the default ones when the toolsets
   * setting is empty), less the tools that write when read-only.
   */
  const listed = async (client: Client, readOnly: boolean, toolsets: readonly string[] = DEFAULT_TOOLSETS) => {
    const tools = (await client.listTools()).tools;
    const names = tools.map((t) => t.name).sort();
    const expected = manifest.tools
      .map((t) => t.name)
      .filter((name) => toolsets.includes(toolsetOf.get(name) ?? ''))
      .filter((name) => !readOnly || !writing.has(name))
      .sort();
    check(
      JSON.stringify(names) === JSON.stringify(expected),
      `tools/list gave ${names.join(', ')}; expected ${expected.join(', ')}`,
    );
    return tools;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join(' ');
    check(!result.isError, `${name} answered isError: ${text}`);
    return result.structuredContent as Record<string, unknown>;
  };

  await scenario('defaults (sandbox, read-only)', bundleDir, {}, async (client) => {
    const tools = await listed(client, true);
    const findSpot = tools.find((t) => t.name === 'find_spot');
    check(findSpot?.inputSchema.properties?.practice, 'find_spot should take a practice argument (two practices)');
    const spot = await call(client, 'find_spot', { practice: 'Sunset Smiles Dental', duration_minutes: 60 });
    return `${tools.length} tools (read-only); find_spot at ${spot.practice} gave ${(spot.slots as unknown[]).length} times`;
  });

  await scenario(
    'practice pinned, read-only off',
    bundleDir,
    { practice: 'Hudson Street Dental', read_only: false },
    async (client) => {
      const tools = await listed(client, false);
      check(
        tools.every((t) => !t.inputSchema.properties?.practice),
        'with a pinned practice no tool should take a practice argument',
      );
      const brief = await call(client, 'day_brief', {});
      check(brief.practice === 'Hudson Street Dental', `day_brief ran for ${String(brief.practice)}`);
      return `${tools.length} tools; day_brief for ${brief.practice}`;
    },
  );

  await scenario('toolsets "insurance,reports"', bundleDir, { toolsets: 'insurance,reports' }, async (client) => {
    const tools = await listed(client, true, ['insurance', 'reports']);
    const claims = await call(client, 'claims_summary', { practice: 'Sunset Smiles Dental' });
    return `${tools.length} tools (${tools.map((t) => t.name).join(', ')}); claims_summary for ${claims.practice}`;
  });

  await scenario('toolsets emptied', bundleDir, { toolsets: '' }, async (client) => {
    const tools = await listed(client, true);
    return `${tools.length} tools, the default toolsets ${DEFAULT_TOOLSETS.join(', ')}`;
  });

  // A "real practice": an Escape Dental API (the sandbox, started by this script) reached through
  // the API URL the user typed, with each kind of credential.
  const { startSandbox } = await import('../src/sandbox/index.js');
  const sandbox = await startSandbox({ port: 0 });
  try {
    await scenario(
      'API URL + OAuth access token',
      bundleDir,
      { api_url: sandbox.url, api_token: sandbox.credentials.oauth.service.token, practice: 'Sunset Smiles Dental' },
      async (client) => {
        await listed(client, true);
        const brief = await call(client, 'day_brief', {});
        return `day_brief for ${brief.practice}`;
      },
    );
    const home = mkdtempSync(join(tmpdir(), 'bundle-home-'));
    await scenario(
      'API URL + SimpleJWT refresh token',
      bundleDir,
      { api_url: sandbox.url, refresh_token: sandbox.credentials.service.refresh, practice: 'Sunset Smiles Dental' },
      async (client) => {
        await listed(client, true);
        await call(client, 'find_spot', { duration_minutes: 30, max_results: 1 });
        const store = join(home, '.escape-dental-mcp', 'session.json');
        const mode = statSync(store).mode & 0o777;
        check(mode === 0o600, `the rotated token store has mode ${mode.toString(8)}, not 600`);
        return `rotated refresh token persisted to $HOME/.escape-dental-mcp/session.json (0600)`;
      },
      { HOME: home },
    );
  } finally {
    await sandbox.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: tsx scripts/bundle-launch.ts <unpacked bundle dir>\n');
    process.exit(2);
  }
  main(resolve(dir)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bundle launch failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
