import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger, terminalDestination, terminalLogLevel, writeAudit } from '../../src/logger.js';

const levelOf = (args: string[], env: Record<string, string> = {}) => {
  const config = parseConfig(args, env);
  return terminalLogLevel({ ...config, demo: config.upstream.kind === 'demo' });
};

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logs on a terminal', () => {
  it('the demo shows warnings and errors only unless a level is asked for; other runs keep theirs', () => {
    expect(levelOf(['http', '--demo'])).toBe('warn');
    expect(levelOf(['--demo'])).toBe('warn');
    expect(levelOf(['http', '--demo', '--log-level', 'info'])).toBe('info');
    expect(levelOf(['http', '--demo'], { ESCAPE_LOG_LEVEL: 'debug' })).toBe('debug');
    const real = { ESCAPE_API_URL: 'https://api.escapedental.example', ESCAPE_API_TOKEN: 't' };
    expect(levelOf(['http'], real)).toBe('info');
    expect(levelOf(['http', '--log-level', 'error'], real)).toBe('error');
  });

  it('are readable lines, redacted as the JSON lines are, audit lines included', async () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: await terminalDestination(out.stream) });
    logger.warn(
      {
        practiceId: 'p-1',
        authorization: 'Bearer sk-live-secret',
        patient: { first_name: 'Adaline', date_of_birth: '1961-04-09', phone: '555-0142' },
        err: { message: 'boom', body: { last_name: 'Quackenbush' } },
      },
      'upstream refused the call',
    );
    writeAudit(logger, { audit: true, tool: 'find_spot', outcome: 'ok', patientIds: [] }, 'tool call');
    logger.debug({ note: 'below the level' }, 'not written');
    const text = out.text();
    // One line per entry; an error object follows its entry, indented, with its stack.
    const entries = text.split('\n').filter((line) => /^\[\d\d:\d\d:\d\d\] /.test(line));
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatch(/ WARN: upstream refused the call /);
    expect(entries[1]).toMatch(/ INFO: tool call .*"tool":"find_spot"/);
    expect(text).not.toMatch(/^\{/m);
    expect(text).toContain('"practiceId":"p-1"');
    expect(text).toContain('[redacted]');
    for (const secret of ['sk-live-secret', 'Adaline', '1961-04-09', '555-0142', 'Quackenbush', 'escape-dental-mcp']) {
      expect(text).not.toContain(secret);
    }
  });
});
