/** The tool error mapper on the API client's argument checks (ArgumentError, src/api/errors.ts). */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../src/api/errors.js';
import { describeToolError } from '../../../src/tools/framework/error-mapping.js';

const context = { toolTimeoutMs: 30_000 };

describe('argument errors of the API client', () => {
  it('reach the caller as invalid input, in their own words', () => {
    const said = describeToolError(new ArgumentError('Give a name or a phone number to search for.'), context);
    expect(said).toEqual({
      message: 'Give a name or a phone number to search for.',
      label: 'invalid_input',
      unexpected: false,
    });
  });

  it('are told apart from a RangeError of the runtime, which is a bug and says nothing of its own', () => {
    const said = describeToolError(new RangeError('Invalid time zone specified: Mars/Olympus'), context);
    expect(said.label).toBe('internal_error');
    expect(said.unexpected).toBe(true);
    expect(said.message).not.toContain('Mars');
  });
});
