import { spawn, type ChildProcess } from 'node:child_process';
import { startCountingIm } from '../../bench/counting-im-process';
import { maxInAnyWindow } from '../../bench/sliding-window';
import { TEST_SDKAPPID, TEST_SECRET_KEY } from './test-app';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(__dirname, 'ts-register.js');

export interface RunningProcess {
  child: ChildProcess;
  /** Every JSON log line written so far. */
  logs: Array<Record<string, any>>;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Runs one of the project's TypeScript entry points (e.g. `src/main.ts`) as a real Node.js process. */
export function runTs(entry: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ['-r', REGISTER, join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const logs: Array<Record<string, any>> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const lines = out.split('\n');
    for (const line of lines.slice(logs.length, -1)) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ text: line });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, logs, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with the first log line `match` accepts; rejects if the process exits first or time runs out. */
export async function waitForLog(process: RunningProcess, match: (line: Record<string, any>) => boolean, timeoutMs = 20_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const line = process.logs.find(match);
    if (line !== undefined) return line;
    if (process.child.exitCode !== null) throw new Error(`process exited (${process.child.exitCode}): ${process.stderr()}${process.stdout()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for a log line: ${process.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What bench/counting-im.py's GET /stats answers (see that file). */
export interface FakeImStats {
  calls: number;
  arrivals: number[];
  setCalls: Array<{ member: string; value: number; at: number; readAt: number; errorCode: number }>;
  frequencyErrors: number;
  maxOverlap: number;
  readLagMs: number;
  unstampedReads: number;
}

/** bench/counting-im.py in its own process: Tencent as its rate limit counts, by the kernel's arrival timestamps. */
export interface FakeImProcess {
  url: string;
  stats(): Promise<FakeImStats>;
  reset(): Promise<void>;
  /** Keeps every set call's answer from now on, until {@link release}. */
  hold(): Promise<void>;
  release(): Promise<void>;
  stop(): void;
}

export async function startFakeImProcess(env: { REPLY_DELAY_MS?: string; LIMIT_PER_SECOND?: string; WINDOW_MS?: string }): Promise<FakeImProcess> {
  const { child, url } = await startCountingIm(env);
  return {
    url,
    stats: async () => (await fetch(`${url}/stats`)).json() as never,
    reset: async () => void (await fetch(`${url}/reset`, { method: 'POST' })),
    hold: async () => void (await fetch(`${url}/hold`, { method: 'POST' })),
    release: async () => void (await fetch(`${url}/release`, { method: 'POST' })),
    stop: () => void child.kill('SIGKILL'),
  };
}

/** One line of what the counting IM saw: the most calls in any 990 ms and 50 ms, 60007s, how late it read calls and what counting by read time would have said. */
export function arrivalSummary({ arrivals, setCalls, frequencyErrors, readLagMs }: FakeImStats): string {
  const byReadTime = maxInAnyWindow(setCalls.map((call) => call.readAt));
  return `at most ${maxInAnyWindow(arrivals)} set calls in any 990 ms at IM, ${frequencyErrors} × 60007, at most ${maxInAnyWindow(arrivals, 50)} in any 50 ms; calls read up to ${readLagMs.toFixed(0)} ms after they arrived (counted by read time: ${byReadTime})`;
}

/** A gateway (`src/main.ts`) in its own process on a free port, calling IM at `imUrl` as the test app. */
export interface GatewayProcess {
  process: RunningProcess;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The GraphQL endpoint. */
  url: string;
}

export async function startGatewayProcess(imUrl: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const process = runTs('src/main.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    IM_SDKAPPID: String(TEST_SDKAPPID),
    IM_SECRET_KEY: TEST_SECRET_KEY,
    IM_API_BASE_URL: imUrl,
    LOG_LEVEL: 'info',
    WARM_UP_REQUESTS: '0', // about a second per gateway; tests start many
    ...env,
  });
  const ready = await waitForLog(process, (line) => line.msg === 'gateway ready', 30_000);
  const origin = new URL(ready.url).origin;
  return { process, origin, url: `${origin}/graphql` };
}

/** Updates the gateway has taken in: set calls answered by IM plus updates still pending, read from /metrics. */
export async function acceptedUpdates(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const answered = [...text.matchAll(/^im_gateway_im_calls_total\{command="group_open_http_svc\/set_unread_msg_num"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  const pending = Number(/^im_gateway_coalescer_pending_updates (\d+)$/m.exec(text)?.[1] ?? 0);
  return answered + pending;
}
