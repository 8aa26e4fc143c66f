/**
 * A minimal newline-delimited JSON-RPC client over a spawned server's stdio: what an MCP host
 * does, without an SDK's own cost on the client side (the benchmarks measure the server).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface RpcResponse {
  id: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export interface StdioRpc {
  child: ChildProcessWithoutNullStreams;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  request: (method: string, params: unknown) => Promise<RpcResponse>;
  notify: (method: string, params?: unknown) => void;
  /** initialize + notifications/initialized (2025-11-25 wire). */
  handshake: () => Promise<RpcResponse>;
  stderr: () => string;
  close: () => Promise<void>;
}

export function spawnStdio(command: string, args: string[], env: Record<string, string>, keepStderr = false): StdioRpc {
  const spawnedAt = performance.now();
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (response: RpcResponse) => void; reject: (error: Error) => void }>();
  let pending = '';
  let errText = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (keepStderr) errText += chunk.toString('utf8');
  });
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line.trim()) continue;
      const message = JSON.parse(line) as RpcResponse & { method?: string };
      if (typeof message.id === 'number' && !message.method) {
        waiting.get(message.id)?.resolve(message);
        waiting.delete(message.id);
      }
    }
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      // A server that dies fails whatever was waiting on it, instead of hanging the benchmark.
      for (const { reject } of waiting.values()) reject(new Error(`server exited (${code}): ${errText.slice(-500)}`));
      waiting.clear();
      resolve();
    }),
  );
  const request = (method: string, params: unknown) =>
    new Promise<RpcResponse>((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`server exited (${child.exitCode})`));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`, (error) => {
        if (error) reject(error);
      });
    });
  const notify = (method: string, params?: unknown) =>
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  return {
    child,
    spawnedAt,
    request,
    notify,
    async handshake() {
      const init = await request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      });
      notify('notifications/initialized');
      return init;
    },
    stderr: () => errText,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
