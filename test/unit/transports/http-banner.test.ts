import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import type { PracticeScope } from '../../../src/tenancy/types.js';
import { type BannerRuntime, connectionBanner } from '../../../src/transports/http-banner.js';

const la = { id: '11111111-1111-4111-8111-111111111111', name: 'Sunset Dental LA', timezone: 'America/Los_Angeles' };
const ny = { id: '22222222-2222-4222-8222-222222222222', name: 'Harbor Dental NY', timezone: 'America/New_York' };
const scope = (over: Partial<PracticeScope> = {}): PracticeScope => ({
  pinned: undefined,
  available: [la, ny],
  disabled: [],
  unavailable: [],
  ...over,
});
const serving = { url: 'http://127.0.0.1:3333', mcpUrl: 'http://127.0.0.1:3333/mcp', demoApiKey: undefined };
const runtime = (args: string[], over: Partial<BannerRuntime> = {}): BannerRuntime => ({
  config: parseConfig(args, {}),
  practices: scope(),
  sandbox: undefined,
  ...over,
});

/** The JSON on the line after `title`. */
const jsonAfter = (banner: string, title: string) => {
  const lines = banner.split('\n');
  return JSON.parse(lines[lines.indexOf(title) + 1] ?? '');
};

describe('the connection banner', () => {
  it('on the demo with a generated key: says the data is synthetic and puts the key in every client config', () => {
    const key = 'edm_demo-key-for-this-run';
    const banner = connectionBanner(
      { ...serving, demoApiKey: key },
      runtime(['http', '--demo'], { sandbox: {} as RunningSandbox }),
    );
    expect(banner).toContain('Escape Dental MCP is serving at http://127.0.0.1:3333/mcp');
    expect(banner).toContain('DEMO DATA: the embedded Escape Dental sandbox');
    expect(banner).toContain(
      `Auth: Bearer key generated for this run (it changes on restart; use --api-keys-file for a lasting one): ${key}`,
    );
    expect(banner).toContain(
      `claude mcp add --transport http escape-dental http://127.0.0.1:3333/mcp --header "Authorization: Bearer ${key}"`,
    );
    expect(jsonAfter(banner, 'VS Code (.vscode/mcp.json):')).toEqual({
      servers: {
        'escape-dental': {
          type: 'http',
          url: 'http://127.0.0.1:3333/mcp',
          headers: { Authorization: `Bearer ${key}` },
        },
      },
    });
    // mcp-remote reads the header from its environment: Claude Desktop would split "Bearer <key>" in args.
    const desktop = jsonAfter(banner, 'Claude Desktop (claude_desktop_config.json, through the mcp-remote bridge):');
    expect(desktop.mcpServers['escape-dental'].args).toEqual([
      '-y',
      'mcp-remote',
      'http://127.0.0.1:3333/mcp',
      '--header',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote's own placeholder.
      'Authorization:${AUTH_HEADER}',
    ]);
    expect(desktop.mcpServers['escape-dental'].env).toEqual({ AUTH_HEADER: `Bearer ${key}` });
    expect(banner).toContain(`--tool-arg 'practice=${la.name}' --tool-arg duration_minutes=60`);
  });

  it('with auth off, no header anywhere; with a pinned practice, no practice argument', () => {
    const banner = connectionBanner(
      serving,
      runtime(['http', '--auth', 'off'], { practices: scope({ pinned: ny, available: [ny] }) }),
    );
    expect(banner).toContain('Auth: off (loopback only)');
    expect(banner).not.toMatch(/Authorization|--header/);
    expect(banner).not.toContain("--tool-arg 'practice=");
    expect(banner).toContain(`Practices: ${ny.name} (${ny.id})`);
  });

  it('against a real API: names the upstream, and says when the practices are not read yet', () => {
    const config = parseConfig(['http'], { ESCAPE_API_URL: 'https://api.escapedental.example', ESCAPE_API_TOKEN: 't' });
    const banner = connectionBanner(serving, {
      config,
      sandbox: undefined,
      practices: scope({
        available: [],
        pending: { reason: 'unreachable', unreachable: true, pinnedByConfiguration: false },
      }),
    });
    expect(banner).toContain('Upstream: https://api.escapedental.example');
    expect(banner).toContain('Practices: not read yet (Escape Dental could not be reached)');
    expect(banner).toContain('Auth: Bearer token (an operator API key or a JWT from the configured issuer)');
    expect(banner).not.toContain('DEMO DATA');
  });
});
