/** The invoke wrapper's dependencies for unit tests: an in-memory API fake, no gates, a captured log. */
import { PassThrough } from 'node:stream';
import { NO_GATES } from '../../../src/gates/decision.js';
import { createLogger } from '../../../src/logger.js';
import { noMetrics } from '../../../src/telemetry.js';
import type { PracticeScope } from '../../../src/tenancy/types.js';
import { createConfirmationTokens } from '../../../src/tools/framework/confirmation.js';
import type { InvokeDependencies } from '../../../src/tools/framework/invoke.js';
import { ToolMemo } from '../../../src/tools/framework/memo.js';
import { fakeApi } from '../../helpers/fake-api.js';

export function invokeDeps(
  practices: PracticeScope,
  overrides: Partial<InvokeDependencies> = {},
): InvokeDependencies & { logs: () => string[] } {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return {
    api: fakeApi(),
    principal: { id: 'local', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false },
    practices,
    gatesFor: () => NO_GATES,
    logger: createLogger({ level: 'info', destination: sink }),
    metrics: noMetrics,
    now: () => new Date('2026-11-23T18:00:00Z'),
    toolTimeoutMs: 5000,
    memo: new ToolMemo(),
    confirmationTokens: createConfirmationTokens(),
    ...overrides,
    logs: () => lines,
  };
}
