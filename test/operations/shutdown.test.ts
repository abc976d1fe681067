import { Agent, request } from 'undici';
import { onCleanup } from '../support/cleanup';
import { ImCommand } from '../../src/tencent/commands';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { postGraphQL, SET_UNREAD } from '../support/gateway';
import { acceptedUpdates, startGatewayProcess, waitForLog } from '../support/process';
import { until } from '../support/wait';
import { adminAuthorization } from '../support/test-app';

const GROUP = '@TGS#2CLUZEAEJ';
const auth = adminAuthorization();

async function startGateway(imUrl: string, env: Record<string, string>) {
  const { process, origin } = await startGatewayProcess(imUrl, env);
  return { gateway: process, base: origin };
}



describe('graceful shutdown of a real gateway process', () => {
  it('on SIGTERM mid-burst: not ready, refuses new requests, sends every accepted update to IM, exits 0', async () => {
    const fake = new FakeIm(() => ({ json: OK_REPLY, delayMs: 20 }));
    const imUrl = await fake.start();
    // 30 calls/s: 150 accepted updates take about 5 s to send, so the signal lands with most still queued.
    const { gateway, base } = await startGateway(imUrl, { IM_RATE_LIMIT_PER_SECOND: '30', IM_MAX_QUEUE_WAIT_MS: '20000' });
    onCleanup(async () => {
      gateway.child.kill('SIGKILL');
      await fake.close();
    });
    const burst = Array.from({ length: 150 }, (_, i) =>
      postGraphQL(`${base}/graphql`, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `m${i}`, unreadCount: i } }, auth),
    );
    // Signal once the gateway has accepted all 150 (answered + still pending), however long a busy machine takes.
    await until(async () => (await acceptedUpdates(base)) >= 150);
    const sentBeforeSignal = fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).length;
    gateway.child.kill('SIGTERM');
    await waitForLog(gateway, (line) => line.msg === 'shutting down: finishing accepted updates');

    const readiness = await fetch(`${base}/readyz`);
    expect(readiness.status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const late = await postGraphQL(`${base}/graphql`, SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'late', unreadCount: 1 } }, auth);
    expect(late.status).toBe(503);
    expect(late.body.errors[0].extensions).toEqual({ code: 'SHUTTING_DOWN', retryable: true });

    const responses = await Promise.all(burst);
    expect(await gateway.exited).toBe(0);

    expect(sentBeforeSignal).toBeLessThan(100); // the signal really came mid-burst
    const received = new Map(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => [request.body.Member_Account, request.body.UnreadMsgNum]));
    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(i);
      expect(received.get(`m${i}`)).toBe(i);
    });
    expect(received.has('late')).toBe(false);
    expect(gateway.logs.some((line) => line.msg === 'stopped' && line.unanswered === 0)).toBe(true);
  });

  it('late requests during the drain on keep-alive connections opened before it, the gateway stopped 1.5 s as they arrive: 300, each answered 503 SHUTTING_DOWN, none reset', async () => {
    const fake = new FakeIm(() => ({ json: OK_REPLY, delayMs: 4000 }));
    const imUrl = await fake.start();
    const { gateway, base } = await startGateway(imUrl, { IM_TIMEOUT_MS: '6000' });
    const agent = new Agent({ connections: 20, keepAliveTimeout: 60_000 });
    onCleanup(async () => {
      gateway.child.kill('SIGCONT');
      gateway.child.kill('SIGKILL');
      await agent.close();
      await fake.close();
    });
    const post = (memberAccount: string) =>
      request(`${base}/graphql`, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ query: SET_UNREAD, variables: { input: { groupId: GROUP, memberAccount, unreadCount: 1 } } }),
      }).then(async (response) => ({ status: response.statusCode, body: (await response.body.json()) as any }));
    // 20 connections open and idle in the agent's pool; one update keeps the drain going (IM answers in 4 s).
    await Promise.all(Array.from({ length: 20 }, () => request(`${base}/healthz`, { dispatcher: agent }).then((response) => response.body.dump())));
    const held = post('held').catch((error: Error & { code?: string }) => ({ status: error.code ?? error.message }));
    await until(() => fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).length === 1);
    gateway.child.kill('SIGTERM');
    await waitForLog(gateway, (line) => line.msg === 'shutting down: finishing accepted updates');

    // Stopped, the gateway cannot read what arrives: the first 20 requests wait unread on the idle connections,
    // past the drain's first second (when a sweep of idle connections would close them with the bytes unread).
    gateway.child.kill('SIGSTOP');
    const late: Array<Promise<{ status?: number; code?: string; error?: string }>> = [];
    const ask = (i: number) =>
      late.push(post(`late${i}`).then(({ status, body }) => ({ status, code: body.errors?.[0]?.extensions?.code }), (error: Error & { code?: string }) => ({ error: error.code ?? error.message })));
    for (let i = 0; i < 20; i++) ask(i);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the stall's length: a fault, not a wait for a condition
    gateway.child.kill('SIGCONT');
    for (let i = 20; i < 300; i++) {
      ask(i);
      await new Promise((resolve) => setTimeout(resolve, 5)); // spread over the drain
    }
    const answers = await Promise.all(late);
    expect(answers.filter((answer) => answer.error !== undefined)).toEqual([]);
    expect(answers.every((answer) => answer.status === 503 && answer.code === 'SHUTTING_DOWN')).toBe(true);
    expect((await held).status).toBe(200);
    expect(await gateway.exited).toBe(0);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((call) => call.body.Member_Account)).toEqual(['held']);
  });

  it('at SHUTDOWN_TIMEOUT_MS, answers the callers still waiting with SHUTTING_DOWN, logs each update IM may have applied as IN_DOUBT and each it has not as UNSENT, and exits 1', async () => {
    const fake = new FakeIm(() => ({ json: OK_REPLY, delayMs: 3000 }));
    const imUrl = await fake.start();
    const { gateway, base } = await startGateway(imUrl, { SHUTDOWN_TIMEOUT_MS: '300', IM_TIMEOUT_MS: '5000' });
    onCleanup(async () => {
      gateway.child.kill('SIGKILL');
      await fake.close();
    });
    const send = (memberAccount: string, unreadCount: number) =>
      postGraphQL(`${base}/graphql`, SET_UNREAD, { input: { groupId: GROUP, memberAccount, unreadCount } }, auth);
    const pending = [send('slow3', 3), send('slow4', 4)];
    // Both updates are at IM (which takes 3 s to answer) before the next one and the signal.
    await until(async () => fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).length === 2);
    pending.push(send('slow3', 30)); // waits behind slow3's call: never sent
    await until(async () => (await pendingUpdates(base)) === 3);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(1);
    const logged = (prefix: string) =>
      gateway.logs
        .filter((line) => String(line.msg).startsWith(prefix))
        .map(({ groupId, memberAccount, unreadCount }) => ({ groupId, memberAccount, unreadCount }))
        .sort((a, b) => a.unreadCount - b.unreadCount);
    expect(logged('UNSENT')).toEqual([{ groupId: GROUP, memberAccount: 'slow3', unreadCount: 30 }]);
    expect(logged('IN_DOUBT')).toEqual([{ groupId: GROUP, memberAccount: 'slow4', unreadCount: 4 }]);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => request.body.UnreadMsgNum).sort()).toEqual([3, 4]); // 30 never went
    // The callers still waiting got a coded, retryable answer, not a reset connection.
    for (const response of await Promise.all(pending)) {
      expect(response.body.errors[0].extensions).toEqual({ code: 'SHUTTING_DOWN', retryable: true });
    }
  });
});

/** The coalescer's pending updates, as /metrics shows them. */
async function pendingUpdates(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^im_gateway_coalescer_pending_updates (\d+)$/m.exec(text)?.[1] ?? -1);
}

describe('the shutdown report is true', () => {
  const UPDATES = 2000;

  it('UNSENT never names an update IM received: the wire closes before the list is made (5 deadlines hit mid-burst, real processes)', async () => {
    for (let run = 0; run < 5; run++) {
      const fake = new FakeIm(() => ({ json: OK_REPLY, delayMs: 300 }));
      // 400 calls/s: a grant every 2.5 ms, so one made while the report is written would show; slow enough that most are queued.
      const { gateway, base } = await startGateway(await fake.start(), { IM_RATE_LIMIT_PER_SECOND: '400', SHUTDOWN_TIMEOUT_MS: '300', IM_TIMEOUT_MS: '5000' });
      onCleanup(async () => {
        gateway.child.kill('SIGKILL');
        await fake.close();
      });
      const sent = Array.from({ length: UPDATES }, (_, i) => postGraphQL(`${base}/graphql`, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `r${run}m${i}`, unreadCount: i + 1 } }, auth));
      await until(async () => (await acceptedUpdates(base)) >= UPDATES, `all ${UPDATES} updates accepted`);
      gateway.child.kill('SIGTERM'); // the deadline comes with calls at IM and most still queued in the limiter
      expect(await gateway.exited).toBe(1);
      await Promise.allSettled(sent);
      const logged = (prefix: string) => gateway.logs.filter((line) => String(line.msg).startsWith(prefix)).map((line) => `${line.memberAccount}=${line.unreadCount}`);
      const unsent = logged('UNSENT');
      const inDoubt = logged('IN_DOUBT');
      const atIm = new Set(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => `${request.body.Member_Account}=${request.body.UnreadMsgNum}`));
      expect(unsent.length).toBeGreaterThan(0);
      expect(unsent.filter((update) => atIm.has(update))).toEqual([]);
      // Every update was answered by IM, reported in doubt, or reported unsent.
      expect(unsent.length + inDoubt.length + atIm.size).toBeGreaterThanOrEqual(UPDATES);
    }
  }, 120_000);
});
