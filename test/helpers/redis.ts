/**
 * A throwaway redis-server for tests that need the shared state store: Debian's `redis-server`
 * on a free loopback port, no persistence, killed by `stop()`. Where it is not installed the
 * tests that need it skip with a loud reason locally, and fail in CI (.ci/run installs it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export const redisServerInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** In CI a missing redis-server is a failure, never a skip. */
export const inCi = Boolean(process.env.CI);

export const REDIS_MISSING =
  'redis-server is not installed: the shared-state tests are SKIPPED here (apt-get install -y redis-server to run them; in CI they must run).';

export interface RunningRedis {
  url: string;
  port: number;
  /** The redis-server process (the bench reads its CPU time). */
  pid: number | undefined;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    socket.once('error', () => resolve(false));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** Starts redis-server (on `port`, else a free one) and waits until it answers PING. */
export async function startRedis(port?: number): Promise<RunningRedis> {
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let waited = 0; !(await ping(chosen)); waited += 50) {
    if (child.exitCode !== null || waited > 20_000) throw new Error(`redis-server did not start on port ${chosen}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
