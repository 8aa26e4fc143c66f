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
import { type Launched, launchLikeDesktop, resolveLaunch } from '../../scripts/bundle-launch.js';
import { OPTIONS, parseConfig } from '../../src/config.js';
import { CATALOG } from '../../src/tools/registry.js';
import { DEFAULT_TOOLSETS } from '../../src/toolsets.js';
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
// A bundle serves the default toolsets (the front desk's), like any server started without --toolsets.
const readTools = CATALOG.filter((t) => DEFAULT_TOOLSETS.includes(t.toolset))
  .map((t) => t.name)
  .filter((name) => !writing.has(name))
  .sort();

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

  it('asks for the API URL, a secret credential, the practice and read-only (on by default)', () => {
    const config = manifest.user_config;
    expect(Object.keys(config).sort()).toEqual(['api_token', 'api_url', 'practice', 'read_only', 'refresh_token']);
    expect(config.api_token?.sensitive).toBe(true);
    expect(config.refresh_token?.sensitive).toBe(true);
    expect(config.read_only).toMatchObject({ type: 'boolean', default: true });
    // A host leaves `${user_config.x}` in place for an unset optional value without a default.
    for (const [key, entry] of Object.entries(config)) {
      if (!entry.required) expect(entry.default, `${key} has a default`).toBeDefined();
    }
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
