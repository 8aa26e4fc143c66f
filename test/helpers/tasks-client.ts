/**
 * A 2026-07-28 MCP client with the tasks extension (io.modelcontextprotocol/tasks, SEP-2663): the
 * SDK's Client, declaring the extension in its capabilities (so every request's envelope carries
 * it), over the real Streamable HTTP transport. The SDK (2.4.0) has no runtime for the extension:
 * it sends tasks/get and tasks/cancel (with a result schema) but refuses a tools/call answer of
 * `resultType: "task"` as unsupported, so the transport's fetch keeps the last tools/call answer
 * as it came over the wire and `callAsTask` returns that one when the client refuses it.
 */
import { Client, SdkError, SdkErrorCode, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export interface TaskEnvelope {
  resultType?: string;
  taskId: string;
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs?: number;
  result?: {
    content: { type: string; text?: string }[];
    structuredContent?: Record<string, unknown>;
    isError?: boolean;
  };
  error?: { code: number; message: string };
}

export interface TaskClient {
  client: Client;
  /** tools/call: the CreateTaskResult as sent, or the plain result when the server answered without a task. */
  callAsTask: (name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;
  get: (taskId: string) => Promise<TaskEnvelope>;
  cancel: (taskId: string) => Promise<Record<string, unknown>>;
  /** Polls tasks/get until the task is terminal, keeping every status message seen on the way. */
  settle: (taskId: string) => Promise<{ task: TaskEnvelope; messages: string[] }>;
  close: () => Promise<void>;
}

const Loose = z.looseObject({});
const TERMINAL = ['completed', 'failed', 'cancelled'];

/** The JSON-RPC answer in a response body, JSON or an SSE stream. */
function answerIn(text: string): unknown {
  const candidates = text.trimStart().startsWith('{')
    ? [text]
    : text
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim());
  for (const candidate of candidates) {
    try {
      const message = JSON.parse(candidate) as { result?: unknown };
      if (message.result !== undefined) return message.result;
    } catch {
      // Not JSON: not the answer.
    }
  }
  return undefined;
}

export async function connectTaskClient(mcpUrl: string, headers: Record<string, string> = {}): Promise<TaskClient> {
  let lastToolCall: unknown;
  const client = new Client(
    { name: 'escape-dental-mcp-tasks-tests', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      capabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers },
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) {
          lastToolCall = answerIn(await response.clone().text());
        }
        return response;
      },
    }),
  );
  const get = async (taskId: string) =>
    (await client.request({ method: 'tasks/get', params: { taskId } }, Loose)) as unknown as TaskEnvelope;
  return {
    client,
    async callAsTask(name, args) {
      try {
        return (await client.callTool({ name, arguments: args })) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof SdkError && error.code === SdkErrorCode.UnsupportedResultType) {
          return lastToolCall as Record<string, unknown>;
        }
        throw error;
      }
    },
    get,
    cancel: async (taskId) => client.request({ method: 'tasks/cancel', params: { taskId } }, Loose),
    async settle(taskId) {
      const messages: string[] = [];
      for (;;) {
        const task = await get(taskId);
        if (task.statusMessage && messages.at(-1) !== task.statusMessage) messages.push(task.statusMessage);
        if (TERMINAL.includes(task.status)) return { task, messages };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => client.close(),
  };
}
