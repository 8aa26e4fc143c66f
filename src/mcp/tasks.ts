/**
 * The MCP tasks extension (io.modelcontextprotocol/tasks, SEP-2663, protocol revision 2026-07-28)
 * on our server: a tool that opts in answers tools/call with a task when the request declares the
 * extension, and the client follows it with tasks/get (status, then the inlined result),
 * tasks/update (answers to the task's input requests) and tasks/cancel. The SDK has no runtime
 * for the extension, so this module is it; the runs themselves are `src/tasks/registry.ts`.
 *
 * What a client without the extension gets (a 2025 client, or a 2026 request that does not
 * declare it): an 'optional' tool runs as a plain call, within the call's deadline; a 'required'
 * tool is refused with -32021 naming the extension. tasks/result and tasks/list do not exist on
 * this revision (the SDK answers -32601); status notifications (optional in SEP-2663, delivered on
 * subscriptions/listen) are not sent: clients poll tasks/get at `pollIntervalMs`.
 */
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { TaskRegistry, TaskRun, TaskSnapshot } from '../tasks/registry.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** Whether a tool may, must or must not run as a task. */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

export interface TaskTool {
  support: 'optional' | 'required';
  /** The arguments as the tool takes them; undefined when invalid (the plain call path reports it). */
  parse?: (args: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>;
  /**
   * An answer given at once instead of a task (a multi-round input round before the work starts);
   * undefined to create the task.
   */
  answerNow?: (args: Record<string, unknown>, ctx: ServerContext) => Promise<InputRequiredResult | undefined>;
  /** The work, inside the task. `ctx` is the creating request's (its signal is not the task's: use `run.signal`). */
  run: (args: Record<string, unknown>, ctx: ServerContext, run: TaskRun) => Promise<CallToolResult>;
}

type RawHandler = (
  request: { method: string; params?: Record<string, unknown> },
  ctx: ServerContext,
) => Promise<unknown>;

interface TaskSurface {
  registry: TaskRegistry;
  tools: Map<string, TaskTool>;
}

const surfaces = new WeakMap<McpServer, TaskSurface>();

/**
 * Offers the extension on `server`: declares it, answers tasks/get, tasks/update and tasks/cancel,
 * and routes tools/call of the tools registered with `registerTaskTool` through task creation.
 * Call after the server's tools are registered (the SDK's tools/call handler must exist).
 */
export function offerTasks(server: McpServer, registry: TaskRegistry): void {
  const surface: TaskSurface = { registry, tools: new Map() };
  surfaces.set(server, surface);
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });

  // The SDK's own tools/call (McpServer: input validation, the handler, output validation) stays
  // the plain path; the task path runs in front of it. The SDK has no public way to wrap a
  // registered handler, and re-registering through setRequestHandler would pass a task answer
  // through tools/call result normalisation (which adds `content: []` to it).
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, RawHandler> })._requestHandlers;
  const plain = handlers?.get('tools/call');
  if (!handlers || !plain) throw new Error('offerTasks: the SDK tools/call handler was not found (SDK changed?)');
  handlers.set('tools/call', (request, ctx) => callTool(surface, plain, request, ctx));

  // Params are checked after the extension gate: a client without it hears -32021 whatever it sent.
  server.server.setRequestHandler('tasks/get', { params: AnyParams }, (params, ctx) => {
    const owner = ownerOf(ctx, 'tasks/get');
    const { taskId } = parsed(TaskIdParams, params, 'tasks/get');
    return detailed(surface.registry.get(owner, taskId) ?? unknownTask(taskId));
  });
  server.server.setRequestHandler('tasks/update', { params: AnyParams }, (params, ctx) => {
    const owner = ownerOf(ctx, 'tasks/update');
    const { taskId } = parsed(TaskIdParams, params, 'tasks/update');
    // The SDK lifts `inputResponses` out of the params into the context, as on tools/call.
    if (!surface.registry.answer(owner, taskId, ctx.mcpReq.inputResponses ?? {})) unknownTask(taskId);
    return {};
  });
  server.server.setRequestHandler('tasks/cancel', { params: AnyParams }, (params, ctx) => {
    const owner = ownerOf(ctx, 'tasks/cancel');
    const { taskId } = parsed(TaskIdParams, params, 'tasks/cancel');
    if (!surface.registry.cancel(owner, taskId)) unknownTask(taskId);
    return {};
  });
}

/** Lets `name` (already registered on `server`) run as a task for clients that declare the extension. */
export function registerTaskTool(server: McpServer, name: string, tool: TaskTool): void {
  const surface = surfaces.get(server);
  if (!surface) throw new Error('registerTaskTool: offerTasks was not called on this server');
  surface.tools.set(name, tool);
}

/** True when this request declared the tasks extension in its client capabilities (2026-07-28 envelope). */
function declaresTasks(ctx: ServerContext): boolean {
  const capabilities = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY as keyof typeof ctx.mcpReq.envelope] as
    | { extensions?: Record<string, unknown> }
    | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

async function callTool(
  surface: TaskSurface,
  plain: RawHandler,
  request: { method: string; params?: Record<string, unknown> },
  ctx: ServerContext,
): Promise<unknown> {
  const name = request.params?.name;
  const tool = typeof name === 'string' ? surface.tools.get(name) : undefined;
  if (!tool) return plain(request, ctx);
  if (!declaresTasks(ctx)) {
    if (tool.support === 'required') throw missingExtension(`${name} runs only as a task`);
    return plain(request, ctx);
  }
  const sent = request.params?.arguments;
  const raw =
    sent !== null && typeof sent === 'object' && !Array.isArray(sent) ? (sent as Record<string, unknown>) : {};
  const args = tool.parse ? await tool.parse(raw) : raw;
  if (!args) return plain(request, ctx);
  const now = await tool.answerNow?.(args, ctx);
  if (now) return now;

  const started = surface.registry.start(ownerOf(ctx), (run) => tool.run(args, ctx, run));
  if (!started.ok) {
    const text =
      started.reason === 'too_many'
        ? `You already have ${started.limit} tasks running, the most one caller may have at once. Wait for one to finish (tasks/get) or cancel one (tasks/cancel), then ask again.`
        : 'The server is stopping and starts no new task. Ask again in a moment.';
    return { content: [{ type: 'text', text }], isError: true } satisfies CallToolResult;
  }
  return { resultType: 'task', ...envelope(started.task) };
}

/** The task fields of a CreateTaskResult and of tasks/get (SEP-2663: flat, `ttlMs`/`pollIntervalMs`). */
function envelope(task: TaskSnapshot) {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttlMs,
    pollIntervalMs: task.pollIntervalMs,
  };
}

/** tasks/get: the task, with its result (completed), error (failed) or open input requests inlined. */
function detailed(task: TaskSnapshot): Record<string, unknown> {
  return {
    ...envelope(task),
    ...(task.status === 'completed' && task.result !== undefined
      ? { result: { resultType: 'complete', ...(task.result as Record<string, unknown>) } }
      : {}),
    ...(task.status === 'failed' && task.error ? { error: task.error } : {}),
    ...(task.status === 'input_required' && task.inputRequests ? { inputRequests: task.inputRequests } : {}),
  };
}

/**
 * The principal a task belongs to: the authenticated client of the request (HTTP), or the one
 * local operator (stdio). Refuses a request that did not declare the extension (SEP-2663:
 * -32021 with the extension named).
 */
function ownerOf(ctx: ServerContext, method?: string): string {
  if (method && !declaresTasks(ctx)) throw missingExtension(`${method} belongs to the tasks extension`);
  return ctx.http?.authInfo?.clientId ?? '';
}

function missingExtension(what: string): MissingRequiredClientCapabilityError {
  return new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    `${what}: declare the ${TASKS_EXTENSION} extension in the request's client capabilities.`,
  );
}

function unknownTask(taskId: string): never {
  // Someone else's task gets the same answer as one that never existed.
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `No task ${JSON.stringify(taskId.slice(0, 80))} is known for you: it never existed, belongs to someone else, or expired.`,
  );
}

const AnyParams = z.looseObject({});
const TaskIdParams = z.object({ taskId: z.string().min(1).max(200) });

function parsed<T>(schema: z.ZodType<T>, params: unknown, method: string): T {
  const result = schema.safeParse(params);
  if (!result.success) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `${method} needs a taskId (the id tools/call answered with).`,
    );
  }
  return result.data;
}
