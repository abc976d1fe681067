import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImCommand } from '../../src/tencent/commands';
import { ImSimulator } from '../../src/simulator/simulator';
import { runTs, type RunningProcess } from './process';

export const GROUP = '@TGS#IMPORTPUB';
export const MEMBERS = 3000;

/** A standalone simulator with one big Public group, fast enough that tests can run the import at a high rate. */
async function startSimulator(): Promise<{ simulator: ImSimulator; env: Record<string, string> }> {
  const simulator = new ImSimulator({ rateLimitPerSecond: 100_000 });
  simulator.addGroup({
    groupId: GROUP,
    type: 'Public',
    messageCount: 1_000_000,
    members: Object.fromEntries(Array.from({ length: MEMBERS }, (_, i) => [`u${i}`, 'Member' as const])),
  });
  const baseUrl = await simulator.start();
  return {
    simulator,
    env: { IM_SDKAPPID: String(simulator.sdkAppId), IM_SECRET_KEY: simulator.secretKey, IM_API_BASE_URL: baseUrl, IM_RATE_LIMIT_PER_SECOND: '2000' },
  };
}

export function importUnread(args: string[], env: Record<string, string>): RunningProcess {
  return runTs('src/cli.ts', ['import-unread', ...args], env);
}

export function setCalls(simulator: ImSimulator): Array<{ GroupId: string; Member_Account: string; UnreadMsgNum: number }> {
  return simulator.callsOf(ImCommand.SET_UNREAD_MSG_NUM).map((call) => call.body as never);
}

export function readCsv(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => line.split(','));
}

/** For a describe block: a fresh directory and simulator per test. Read the fields inside tests. */
export function importFixture(): { dir: string; simulator: ImSimulator; env: Record<string, string> } {
  const fixture = {} as { dir: string; simulator: ImSimulator; env: Record<string, string> };
  beforeEach(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), 'import-unread-'));
    Object.assign(fixture, await startSimulator());
  });
  afterEach(async () => fixture.simulator.close());
  return fixture;
}
