/**
 * The banner `escape-dental-mcp http` prints to stdout once it listens: what a person needs to
 * connect (the URL, client configurations, an Inspector command). On a terminal it is the first
 * thing a newcomer reads after `npm start`, so logs stay quiet there (src/logger.ts).
 */
import type { Runtime } from '../runtime.js';

/** What the banner needs of the serving HTTP server (`HttpServing`). */
export interface BannerServing {
  /** Base URL, e.g. http://127.0.0.1:3333 */
  url: string;
  /** The MCP endpoint. */
  mcpUrl: string;
  /** In demo mode without configured auth: the key generated for this run. */
  demoApiKey: string | undefined;
}

export type BannerRuntime = Pick<Runtime, 'config' | 'practices' | 'sandbox'>;

// mcp-remote expands ${AUTH_HEADER} from its env; Claude Desktop mangles spaces inside args.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
const MCP_REMOTE_HEADER = 'Authorization:${AUTH_HEADER}';

/** What a person needs to connect: the URL, client configs and an Inspector command. */
export function connectionBanner(serving: BannerServing, runtime: BannerRuntime): string {
  const url = serving.mcpUrl;
  const key = serving.demoApiKey;
  const auth = runtime.config.http.auth;
  const header = key ? `Authorization: Bearer ${key}` : undefined;
  const practice = runtime.practices.pinned ?? runtime.practices.available[0];
  const demo = runtime.sandbox !== undefined;
  const json = (value: unknown) => JSON.stringify(value);
  const lines = [
    '',
    `Escape Dental MCP is serving at ${url}`,
    `  Streamable HTTP (2026-07-28 and 2025 sessions) at ${url}; legacy SSE at ${serving.url}/sse; health ${serving.url}/healthz; metrics ${serving.url}/metrics`,
    demo
      ? `  DEMO DATA: the embedded Escape Dental sandbox; every practice, patient and figure is synthetic.`
      : `  Upstream: ${runtime.config.upstream.kind === 'remote' ? runtime.config.upstream.apiUrl : 'sandbox'}`,
    runtime.practices.pending
      ? '  Practices: not read yet (Escape Dental could not be reached); tools answer once they are, and clients are told'
      : `  Practices: ${runtime.practices.available.map((p) => `${p.name} (${p.id})`).join('; ')}`,
    key
      ? `  Auth: Bearer key generated for this run (it changes on restart; use --api-keys-file for a lasting one): ${key}`
      : auth === 'off'
        ? '  Auth: off (loopback only)'
        : '  Auth: Bearer token (an operator API key or a JWT from the configured issuer)',
    '',
    'Claude Code:',
    `  claude mcp add --transport http escape-dental ${url}${header ? ` --header "${header}"` : ''}`,
    '',
    'VS Code (.vscode/mcp.json):',
    `  ${json({ servers: { 'escape-dental': { type: 'http', url, ...(header ? { headers: { Authorization: `Bearer ${key}` } } : {}) } } })}`,
    '',
    'Claude Desktop (claude_desktop_config.json, through the mcp-remote bridge):',
    `  ${json({
      mcpServers: {
        'escape-dental': {
          command: 'npx',
          args: ['-y', 'mcp-remote', url, ...(header ? ['--header', MCP_REMOTE_HEADER] : [])],
          ...(header ? { env: { AUTH_HEADER: `Bearer ${key}` } } : {}),
        },
      },
    })}`,
    '',
    'Try a tool with the MCP Inspector (it needs Node 22.19 or later):',
    `  npx -y @modelcontextprotocol/inspector@2.12.0 --cli ${url} --transport http${header ? ` --header "${header}"` : ''} --method tools/call --tool-name find_spot${
      practice && !runtime.practices.pinned ? ` --tool-arg 'practice=${practice.name}'` : ''
    } --tool-arg duration_minutes=60`,
    '',
  ];
  return lines.join('\n');
}
