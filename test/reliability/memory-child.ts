/**
 * Run by memory.test.ts as `node --expose-gc --import tsx memory-child.ts '<json>'`: the server
 * (runtime + tools + a real MCP client, in this process) against the parent's sandbox under a
 * mix of every fault kind. After a warm-up, heap and RSS are measured after forced GCs, then
 * again after `calls` more faulty calls, and once more after a second batch. Prints one JSON line.
 */
import { SandboxControl } from '../../src/sandbox/control.js';
import { startFaultStack } from './stack.js';
import { toolCases } from './tools.js';

interface Input {
  url: string;
  token: string;
  fixtures: Parameters<typeof toolCases>[0]['fixtures'];
  warmup: number;
  calls: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const upstream = { url: input.url, credentials: { oauth: { service: { token: input.token } } } };
const stack = await startFaultStack({
  sandbox: upstream,
  toolTimeoutMs: 2_000,
  requestTimeoutMs: 150,
  // Retries as in production, with short waits so 1,000 faulty calls fit in a test.
  retry: { baseDelayMs: 2, maxDelayMs: 10 },
  breaker: { enabled: false },
  label: 'memory',
  keepLogs: false,
});
const control = new SandboxControl(input.url);
const cases = toolCases({ fixtures: input.fixtures } as Parameters<typeof toolCases>[0]);
await control.setFaults({
  rules: [
    // Some production reports outlast the attempt timeout.
    { path: '/billing/reports/production/', jitterMs: 250 },
    {
      errorRate: 0.15,
      errorStatuses: [500, 502, 503],
      rate429: 0.1,
      retryAfterSeconds: 0,
      resetRate: 0.1,
      truncateRate: 0.1,
      malformedRate: 0.1,
    },
  ],
});

const outcomes: Record<string, number> = {};
async function batch(count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const c = cases[next % cases.length] as (typeof cases)[number];
        next += 1;
        const result = await stack.client.callTool({ name: c.name, arguments: c.args });
        const key = result.isError ? 'error' : 'ok';
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }),
  );
}

function measure(): { heapUsed: number; rss: number } {
  for (let i = 0; i < 4; i += 1) gc?.();
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, rss: usage.rss };
}

await batch(input.warmup);
// Let the last requests' timers (attempt timeouts, the sandbox's delays) run out before measuring.
await new Promise((resolve) => setTimeout(resolve, 2_100));
const start = measure();
await batch(input.calls);
await new Promise((resolve) => setTimeout(resolve, 2_100));
const middle = measure();
await batch(input.calls);
await new Promise((resolve) => setTimeout(resolve, 2_100));
const end = measure();
await control.clearFaults();
await stack.close();
process.stdout.write(`${JSON.stringify({ start, middle, end, outcomes })}\n`);
