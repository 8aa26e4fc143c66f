#!/usr/bin/env node
/**
 * `npm run sandbox`: starts the embedded Escape Dental sandbox on loopback and prints the base URL
 * and the demo credentials. Options are parsed from argv only (no environment variables).
 */
import { parseArgs } from 'node:util';
import { parseQuirks } from './http/server.js';
import { type Quirks, type SandboxCredentials, startSandbox } from './index.js';

const HELP = `Usage: npm run sandbox -- [options]

  --port <n>             listen port on 127.0.0.1 (default 4010; 0 = ephemeral)
  --seed <value>         data seed (default 1); same seed + same --now = same bytes
  --scale <default|large>
  --now <ISO instant>    pin the clock (the data is laid out around it)
  --quirk <name=value>   select another reading of the spec (repeatable), e.g. --quirk slotShape=array
  --rate-limit <n>       requests per minute per token before 429 (default off)
  --faults <json>        fault rules, e.g. '{"errorRate":0.1,"errorStatuses":[503]}'
  --json                 print {url, credentials, fixtures} as JSON instead of text
  -h, --help
`;

function fail(message: string): never {
  process.stderr.write(`sandbox: ${message}\n\n${HELP}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        scale: { type: 'string' },
        now: { type: 'string' },
        quirk: { type: 'string', multiple: true },
        'rate-limit': { type: 'string' },
        faults: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = v.port === undefined ? 4010 : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${String(v.port)}`);
  const scale = (v.scale ?? 'default') as string;
  if (scale !== 'default' && scale !== 'large') fail('--scale must be default or large');
  const quirks: Record<string, string> = {};
  for (const q of (v.quirk as string[] | undefined) ?? []) {
    const [name, value] = q.split('=');
    if (!name || !value) fail(`bad --quirk ${q} (expected name=value)`);
    quirks[name] = value;
  }
  const checked = parseQuirks(quirks);
  if (!checked.ok) fail(`bad quirk: ${JSON.stringify(checked.errors)}`);
  let faults: unknown;
  if (typeof v.faults === 'string') {
    try {
      faults = JSON.parse(v.faults);
    } catch {
      fail('--faults must be JSON');
    }
  }
  const rate = v['rate-limit'] === undefined ? undefined : Number(v['rate-limit']);
  if (rate !== undefined && !(rate > 0)) fail('--rate-limit must be a positive number');
  if (typeof v.now === 'string' && Number.isNaN(Date.parse(v.now))) fail(`bad --now ${v.now}`);

  const seedText = typeof v.seed === 'string' ? v.seed : '1';
  const sb = await startSandbox({
    port,
    seed: /^\d+$/.test(seedText) ? Number(seedText) : seedText,
    scale,
    ...(typeof v.now === 'string' ? { now: v.now } : {}),
    quirks: checked.value as Partial<Quirks>,
    ...(faults !== undefined ? { faults: faults as never } : {}),
    ...(rate !== undefined ? { rateLimitPerMinute: rate } : {}),
  });

  if (v.json) {
    process.stdout.write(
      `${JSON.stringify({ url: sb.url, credentials: sb.credentials, fixtures: sb.fixtures }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(render(sb.url, sb.credentials, sb.fixtures.practices));
  }
  const stop = () => {
    void sb.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function render(
  url: string,
  c: SandboxCredentials,
  practices: Awaited<ReturnType<typeof startSandbox>>['fixtures']['practices'],
): string {
  const lines: string[] = [];
  lines.push(`Escape Dental sandbox listening on ${url}  (synthetic data only)`, '');
  lines.push('Practices:');
  for (const p of Object.values(practices)) {
    lines.push(
      `  ${p.name.padEnd(24)} ${p.id}  ${p.timezone}${p.isActive ? '' : '  (disabled: 403 inactive_practice)'}`,
    );
  }
  lines.push('', 'Password login: POST /api/v1/account/token/ {"email","password"} → {"access","refresh"}');
  const user = (label: string, u: SandboxCredentials['admin']) =>
    lines.push(`  ${label.padEnd(34)} ${u.email}  /  ${u.password}`);
  user('service (internal staff + member):', c.service);
  user('practice admin (not internal staff):', c.admin);
  user('front desk, Los Angeles only:', c.frontDesk);
  user('internal support staff:', c.support);
  user('patient user:', c.patient);
  lines.push('', 'MCP server credential (service user):');
  lines.push(`  SimpleJWT refresh token: ${c.service.refresh}`);
  lines.push(`  OAuth token (all scopes, all three practices, no expiry): ${c.service.oauthToken}`);
  lines.push('', 'Other OAuth tokens:');
  for (const t of Object.values(c.oauth)) lines.push(`  ${t.token}  ${t.label}`);
  lines.push(
    '',
    `Control surface: ${url}/__sandbox/{requests,counters,faults,quirks,clock,fixtures,credentials,rate-limit}`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
