/**
 * The fixture tools the suite's tasks-* scenarios (io.modelcontextprotocol/tasks, SEP-2663) call,
 * as the scenarios describe them: greet (never a task), slow_compute (optional: a task when the
 * request declares the extension), failing_job (required; a tool error), protocol_error_job (a
 * protocol failure), confirm_delete and multi_input (tasks that wait for input), and
 * test_tool_with_task (required; a multi-round input round, then a task). They run on the same
 * task machinery as the product's tools (src/mcp/tasks.ts). Conformance profile only.
 */
import {
  acceptedContent,
  type CallToolResult,
  type InputRequiredResult,
  inputRequired,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/server';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { registerTaskTool } from '../src/mcp/tasks.js';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** Waits `ms`, or rejects as soon as `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal });

async function compute(seconds: number, label: string, signal: AbortSignal, report?: (m: string) => void) {
  for (let second = 0; second < seconds; second++) {
    report?.(`${second} of ${seconds} seconds`);
    await pause(1000, signal);
  }
  return text(`Computed ${label} in ${seconds} s.`);
}

const confirmRequest = (message: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
  });

const nameRequest = (message: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  });

export function registerTaskFixtures(server: McpServer): void {
  server.registerTool(
    'greet',
    { description: 'Says hello (never a task).', inputSchema: z.object({ name: z.string() }) },
    async ({ name }) => text(`Hello, ${name}!`),
  );

  const slowInput = z.object({ seconds: z.number().int().min(0).max(600), label: z.string().optional() });
  server.registerTool(
    'slow_compute',
    { description: 'Sleeps `seconds` seconds, then answers; a task when the client has the extension.', inputSchema: slowInput },
    async ({ seconds, label }, ctx) => compute(seconds, label ?? 'it', ctx.mcpReq.signal),
  );
  registerTaskTool(server, 'slow_compute', {
    support: 'optional',
    async parse(args) {
      const parsed = slowInput.safeParse(args);
      return parsed.success ? parsed.data : undefined;
    },
    run: (args, _ctx, run) =>
      compute(args.seconds as number, (args.label as string | undefined) ?? 'it', run.signal, run.report),
  });

  server.registerTool(
    'failing_job',
    { description: 'A task that ends in a tool error after half a second (task required).', inputSchema: z.object({}) },
    async () => ({ ...text('failing_job runs only as a task.'), isError: true }),
  );
  registerTaskTool(server, 'failing_job', {
    support: 'required',
    async run(_args, _ctx, run) {
      await pause(500, run.signal);
      return { ...text('The job failed, as this fixture always does.'), isError: true };
    },
  });

  server.registerTool(
    'protocol_error_job',
    { description: 'A task that fails at the protocol level.', inputSchema: z.object({}) },
    async () => text('protocol_error_job fails only as a task.'),
  );
  registerTaskTool(server, 'protocol_error_job', {
    support: 'optional',
    async run(_args, _ctx, run) {
      await pause(200, run.signal);
      throw new ProtocolError(ProtocolErrorCode.InternalError, 'The job crashed (conformance fixture).');
    },
  });

  const deleteInput = z.object({ filename: z.string() });
  server.registerTool(
    'confirm_delete',
    { description: 'Asks for a confirmation inside a task, then "deletes" the file.', inputSchema: deleteInput },
    async ({ filename }) => text(`Nothing deleted: ${filename} is deleted only from a task, after a confirmation.`),
  );
  registerTaskTool(server, 'confirm_delete', {
    support: 'optional',
    async run(args, _ctx, run) {
      const filename = String(args.filename);
      const answers = await run.input({ confirm: confirmRequest(`Delete ${filename}?`) });
      const confirmed = acceptedContent<{ confirm: boolean }>(answers, 'confirm')?.confirm === true;
      return text(confirmed ? `Deleted ${filename}.` : `Kept ${filename}.`);
    },
  });

  server.registerTool(
    'multi_input',
    { description: 'Asks two questions at once inside a task.', inputSchema: z.object({}) },
    async () => text('multi_input asks only from a task.'),
  );
  registerTaskTool(server, 'multi_input', {
    support: 'optional',
    async run(_args, _ctx, run) {
      const answers = await run.input({ first: nameRequest('First name?'), second: nameRequest('Second name?') });
      const first = acceptedContent<{ name: string }>(answers, 'first')?.name;
      const second = acceptedContent<{ name: string }>(answers, 'second')?.name;
      return text(`Got ${first ?? '(none)'} and ${second ?? '(none)'}.`);
    },
  });

  server.registerTool(
    'test_tool_with_task',
    { description: 'Asks for a name (multi-round), then greets from a task (task required).', inputSchema: z.object({}) },
    async () => text('test_tool_with_task runs only as a task.'),
  );
  registerTaskTool(server, 'test_tool_with_task', {
    support: 'required',
    async answerNow(_args, ctx): Promise<InputRequiredResult | undefined> {
      const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name')?.name;
      if (typeof name === 'string') return undefined;
      return inputRequired({ inputRequests: { user_name: nameRequest('What is your name?') } });
    },
    async run(_args, ctx, run) {
      const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name')?.name;
      await pause(200, run.signal);
      return text(`Hello, ${name}, from a task!`);
    },
  });
}
