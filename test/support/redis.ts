import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, Socket } from 'node:net';

/** Debian's redis-server (`.ci/run` installs it when missing). */
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * The Redis for tests that only use one: REDIS_URL when set (`.ci/run` starts one for the run), else a
 * server of the test's own. Each caller gets a fresh key prefix, so runs never see each other's keys.
 */
export async function redisForTests(): Promise<{ url: string; keyPrefix: string; stop(): Promise<void> }> {
  const keyPrefix = `test-${randomUUID()}:`;
  if (process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '') {
    return { url: process.env.REDIS_URL, keyPrefix, stop: async () => undefined };
  }
  const own = await TestRedis.start();
  return { url: own.url, keyPrefix, stop: () => own.stop() };
}

/** A real Redis on a free loopback port that a test owns: it can stop and restart it on the same port. */
export class TestRedis {
  private child?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    if (spawnSync(REDIS_SERVER, ['--version']).status !== 0) {
      throw new Error(`${REDIS_SERVER} not found: install Debian's redis-server package (.ci/run does this) or set REDIS_SERVER`);
    }
    const redis = new TestRedis(await freePort());
    await redis.restart();
    return redis;
  }

  async restart(): Promise<void> {
    this.child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      if (await answersPing(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    // A killed process has a signalCode, not an exitCode: either means it is gone.
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** One redis-cli command against a loopback port; its answer as text. */
export function redisCli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}
