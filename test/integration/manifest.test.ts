/**
 * The MCP Bundle manifest: valid under the official mcpb schema, in step with package.json and
 * the CLI's settings, and launched the way Claude Desktop launches it (user_config substituted
 * by the mcpb reference helper, spawned from `/`) it starts a server that answers. The repository
 * root stands in for the unpacked bundle here (dist/ is built by `pretest`); CI repeats the launch
 * on the packed .mcpb (scripts/bundle-launch.ts).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_SCHEMAS } from '@anthropic-ai/mcpb/node';
import { describe, expect, it } from 'vitest';
import { type Launched, launchLikeDesktop, resolveLaunch, type UserConfig } from '../../scripts/bundle-launch.js';
import { OPTIONS, parseConfig } from '../../src/config.js';
import { CATALOG } from '../../src/tools/registry.js';
import { DEFAULT_TOOLSETS, TOOLSETS, type Toolset } from '../../src/toolsets.js';
import { LOG_DIR, REPO_ROOT } from '../helpers/harness.js';

interface UserConfigEntry {
  type: string;
  title: string;
  description: string;
  required?: boolean;
  default?: unknown;
  sensitive?: boolean;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'manifest.json'), 'utf8')) as {
  manifest_version: string;
  name: string;
  version: string;
  server: { entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  tools: { name: string }[];
  user_config: Record<string, UserConfigEntry>;
};
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const writing = new Set(CATALOG.filter((t) => t.writes).map((t) => t.name));
/** The tools that do not write in these toolsets, from the registry. */
const readToolsOf = (toolsets: readonly Toolset[]) =>
  CATALOG.filter((t) => toolsets.includes(t.toolset))
    .map((t) => t.name)
    .filter((name) => !writing.has(name))
    .sort();
// With the toolsets setting left empty a bundle serves the default toolsets (the front desk's).
const readTools = readToolsOf(DEFAULT_TOOLSETS);

/** The launched server's stderr goes where the privacy scan of the run reads it. */
async function launch(userConfig: Parameters<typeof launchLikeDesktop>[1]): Promise<Launched> {
  const launched = await launchLikeDesktop(REPO_ROOT, userConfig);
  return {
    ...launched,
    close: async () => {
      await launched.close();
      mkdirSync(LOG_DIR, { recursive: true });
      appendFileSync(join(LOG_DIR, `bundle-launch-${process.pid}.log`), launched.stderr());
    },
  };
}

/** The tool names a bundle launched with these settings lists, sorted. */
async function listedBy(userConfig: UserConfig): Promise<string[]> {
  const launched = await launch(userConfig);
  try {
    return (await launched.client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await launched.close();
  }
}

describe('manifest.json', () => {
  it('validates against the official MCP Bundle schema it declares', () => {
    expect(manifest.manifest_version).toBe('0.3');
    const result = MANIFEST_SCHEMAS['0.3'].safeParse(manifest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('names the package, its version and its bin entry', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.server.entry_point).toBe(pkg.bin['escape-dental-mcp']);
    expect(existsSync(join(REPO_ROOT, manifest.server.entry_point))).toBe(true);
    expect(manifest.server.mcp_config.command).toBe('node');
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${manifest.server.entry_point}`, 'stdio']);
  });

  it('passes every user setting as an environment variable the server reads', () => {
    const known = new Set(Object.values(OPTIONS).map((o) => o.env));
    const used = new Set<string>();
    for (const [variable, value] of Object.entries(manifest.server.mcp_config.env)) {
      expect(known, `${variable} is a setting of src/config.ts`).toContain(variable);
      const key = /^\$\{user_config\.([a-z_]+)\}$/.exec(value)?.[1];
      expect(key, `${variable} takes a user_config value`).toBeDefined();
      expect(Object.keys(manifest.user_config)).toContain(key);
      used.add(key as string);
    }
    expect([...used].sort()).toEqual(Object.keys(manifest.user_config).sort());
  });

  it('asks for the API URL, a secret credential, the practice, read-only (on by default) and the toolsets', () => {
    const config = manifest.user_config;
    expect(Object.keys(config).sort()).toEqual([
      'api_token',
      'api_url',
      'practice',
      'read_only',
      'refresh_token',
      'toolsets',
    ]);
    expect(config.api_token?.sensitive).toBe(true);
    expect(config.refresh_token?.sensitive).toBe(true);
    expect(config.read_only).toMatchObject({ type: 'boolean', default: true });
    // A host leaves `${user_config.x}` in place for an unset optional value without a default.
    for (const [key, entry] of Object.entries(config)) {
      if (!entry.required) expect(entry.default, `${key} has a default`).toBeDefined();
    }
  });

  it('asks for the toolsets as text that names each toolset and the default, empty by default', () => {
    const entry = manifest.user_config.toolsets;
    expect(entry).toMatchObject({ type: 'string', required: false, default: '' });
    expect(manifest.server.mcp_config.env.ESCAPE_TOOLSETS).toBe(`\${user_config.toolsets}`);
    for (const name of [...TOOLSETS, 'all']) expect(entry?.description).toContain(name);
    expect(entry?.description).toContain(DEFAULT_TOOLSETS.join(', '));
    // The manifest's tools are every tool the bundle can serve, whichever toolsets are chosen.
    expect(manifest.tools.map((t) => t.name).sort()).toEqual(CATALOG.map((t) => t.name).sort());
  });

  it('resolves the toolsets typed, and an empty or untouched setting to the default toolsets', async () => {
    const untouchedOrEmptied: UserConfig[] = [{}, { toolsets: '' }];
    for (const userConfig of untouchedOrEmptied) {
      const launch = await resolveLaunch(REPO_ROOT, userConfig);
      expect(launch?.env.ESCAPE_TOOLSETS).toBe('');
      expect(parseConfig(launch?.args.slice(1) ?? [], launch?.env ?? {}).toolsets).toEqual([
        'scheduling',
        'patients',
        'worklists',
      ]);
    }
    const office = await resolveLaunch(REPO_ROOT, { toolsets: 'insurance, reports' });
    expect(parseConfig(office?.args.slice(1) ?? [], office?.env ?? {}).toolsets).toEqual(['insurance', 'reports']);
    const all = await resolveLaunch(REPO_ROOT, { toolsets: 'all' });
    expect(parseConfig(all?.args.slice(1) ?? [], all?.env ?? {}).toolsets).toEqual([
      'scheduling',
      'patients',
      'insurance',
      'reports',
      'worklists',
    ]);
  });

  it('resolves, as a host would, to the sandbox read-only by default and to a real practice when configured', async () => {
    const defaults = await resolveLaunch(REPO_ROOT, {});
    expect(defaults?.args).toEqual([join(REPO_ROOT, 'dist', 'cli.js'), 'stdio']);
    const demo = parseConfig(defaults?.args.slice(1) ?? [], defaults?.env ?? {});
    expect(demo).toMatchObject({ command: 'stdio', upstream: { kind: 'demo' }, readOnly: true });
    expect(demo.pinnedPractice).toBeUndefined();

    const token = await resolveLaunch(REPO_ROOT, {
      api_url: 'https://api.escapedental.example/',
      api_token: 'oauth-access-token',
      practice: 'Hudson Street Dental',
      read_only: false,
    });
    expect(parseConfig(token?.args.slice(1) ?? [], token?.env ?? {})).toMatchObject({
      upstream: {
        kind: 'remote',
        apiUrl: 'https://api.escapedental.example',
        credential: { kind: 'static', token: 'oauth-access-token' },
      },
      pinnedPractice: 'Hudson Street Dental',
      readOnly: false,
    });

    const refresh = await resolveLaunch(REPO_ROOT, {
      api_url: 'https://api.escapedental.example',
      refresh_token: 'simplejwt-refresh-token',
    });
    expect(parseConfig(refresh?.args.slice(1) ?? [], refresh?.env ?? {})).toMatchObject({
      upstream: { kind: 'remote', credential: { kind: 'refresh', refreshToken: 'simplejwt-refresh-token' } },
      readOnly: true,
    });
  });

  it('starts from / with the defaults, lists the read tools and refuses a write', async () => {
    const launched = await launch({});
    try {
      const { tools } = await launched.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(readTools);
      expect(manifest.tools.map((t) => t.name)).toEqual(expect.arrayContaining(readTools));
      const spot = await launched.client.callTool({
        name: 'find_spot',
        arguments: { practice: 'Sunset Smiles Dental', duration_minutes: 60, max_results: 3 },
      });
      expect(spot.isError).toBeFalsy();
      expect((spot.structuredContent as { slots: unknown[] }).slots.length).toBeGreaterThan(0);

      const [write] = [...writing];
      expect(write).toBeDefined();
      const refused = await launched.client
        .callTool({ name: write as string, arguments: { practice: 'Sunset Smiles Dental' } })
        .then(
          (result) => (result.isError ? 'isError' : 'ran'),
          () => 'protocol error',
        );
      expect(refused).not.toBe('ran');
    } finally {
      await launched.close();
    }
  });

  it('offers the toolsets the user typed: insurance and reports only, then every toolset', async () => {
    const office = await launch({ toolsets: 'insurance,reports' });
    try {
      const { tools } = await office.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(readToolsOf(['insurance', 'reports']));
      expect(tools.map((t) => t.name)).toContain('claims_summary');
      expect(tools.map((t) => t.name)).not.toContain('find_spot');
      const claims = await office.client.callTool({
        name: 'claims_summary',
        arguments: { practice: 'Sunset Smiles Dental' },
      });
      expect(claims.isError).toBeFalsy();
    } finally {
      await office.close();
    }
    expect(await listedBy({ toolsets: 'all', read_only: false })).toEqual(CATALOG.map((t) => t.name).sort());
  });

  it('offers the default toolsets when the toolsets setting is emptied', async () => {
    expect(await listedBy({ toolsets: '' })).toEqual(readTools);
  });

  it('pins the practice the user typed and offers the write tools once read-only is off', async () => {
    const launched = await launch({ practice: 'Hudson Street Dental', read_only: false });
    try {
      const { tools } = await launched.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining([...writing]));
      expect(tools.filter((t) => t.inputSchema.properties?.practice).map((t) => t.name)).toEqual([]);
      const report = await launched.client.callTool({ name: 'day_brief', arguments: {} });
      expect(report.isError).toBeFalsy();
      expect((report.structuredContent as { practice: string }).practice).toBe('Hudson Street Dental');
    } finally {
      await launched.close();
    }
  });
});
