import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from '../support/cleanup';
import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway, TEST_SDKAPPID } from '../support/gateway';
import { HostFailover, PRIMARY_RETRY_AFTER_MS } from '../../src/tencent/failover';
import { ImCommand } from '../../src/tencent/commands';

const input = (memberAccount: string, unreadCount = 1) => ({ input: { groupId: '@TGS#2CLUZEAEJ', memberAccount, unreadCount } });

/** A loopback port nothing listens on: connections are refused. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function started(fake: FakeIm): Promise<string> {
  const url = await fake.start();
  onCleanup(() => fake.close());
  return url;
}

/** IM call attempts on `host` with `errorCode`, over every command. */
function imCallsOn(metrics: string, host: string, errorCode: string): number {
  const lines = metrics.split('\n').filter((l) => l.startsWith('im_gateway_im_calls_total{') && l.includes(`host="${host}"`) && l.includes(`error_code="${errorCode}"`));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('failover to the backup host (IM_API_BACKUP_BASE_URL)', () => {
  it('a primary that refuses connections: the retry goes to the backup, later calls stay there, the switch is logged once and labelled in metrics', async () => {
    const primary = await refusingUrl();
    const backup = new FakeIm(() => OK_REPLY);
    const backupUrl = await started(backup);
    const gateway = await startTestGateway({ IM_API_BACKUP_BASE_URL: backupUrl }, primary);
    onCleanup(() => gateway.stop());

    for (const member of ['bob', 'carol']) {
      const response = await gateway.graphql(SET_UNREAD, input(member));
      expect(response.body.errors).toBeUndefined();
    }
    const sets = backup.requestsFor(ImCommand.SET_UNREAD_MSG_NUM);
    expect(sets.map((request) => request.body.Member_Account)).toEqual(['bob', 'carol']);
    // Signed exactly as for the primary.
    expect(sets[0].query).toMatchObject({ sdkappid: String(TEST_SDKAPPID), identifier: 'administrator', contenttype: 'json' });
    expect(gateway.logs.lines.filter((line) => line.includes('IM calls now go to the backup host'))).toHaveLength(1);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const primaryHost = new URL(primary).host;
    const backupHost = new URL(backupUrl).host;
    // The first attempt (the group-type lookup) failed on the primary; everything after it went to the backup.
    expect(imCallsOn(metrics, primaryHost, 'none')).toBe(1);
    expect(imCallsOn(metrics, primaryHost, '0')).toBe(0);
    expect(imCallsOn(metrics, backupHost, '0')).toBe(2 + backup.groupInfoRequests.length);
  });

  it('a primary that accepts and never answers: after IM_TIMEOUT_MS the retry is served by the backup', async () => {
    const hanging = new FakeIm(() => new Promise<never>(() => undefined));
    const primaryUrl = await started(hanging);
    const backup = new FakeIm(() => OK_REPLY);
    const gateway = await startTestGateway({ IM_API_BACKUP_BASE_URL: await started(backup), IM_TIMEOUT_MS: '300' }, primaryUrl);
    onCleanup(() => gateway.stop());
    const response = await gateway.graphql(SET_UNREAD, input('dave', 4));
    expect(response.body.data.setGroupMemberUnreadCount).toMatchObject({ unreadCount: 4 });
    expect(hanging.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(1);
    expect(backup.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => request.body.UnreadMsgNum)).toEqual([4]);
  });

  it('an IM ErrorCode is an answer, not a host failure: a retryable 70169 is retried on the primary', async () => {
    const primary = new FakeIm((_request, index) => (index === 0 ? imError(70169) : OK_REPLY));
    const backup = new FakeIm(() => OK_REPLY);
    const gateway = await startTestGateway({ IM_API_BACKUP_BASE_URL: await started(backup) }, await started(primary));
    onCleanup(() => gateway.stop());
    expect((await gateway.graphql(SET_UNREAD, input('erin'))).body.errors).toBeUndefined();
    expect(primary.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(2);
    expect(backup.requests).toHaveLength(0);
  });
});

describe('HostFailover', () => {
  it('moves to the backup on a primary failure, tries the primary again after the stay, and reports each switch once', () => {
    let now = 0;
    const switches: string[] = [];
    const failover = new HostFailover(true, (to) => switches.push(to), () => now);
    expect(failover.current()).toBe('primary');
    failover.failed('primary');
    failover.failed('primary'); // a second call that was already on its way: no second switch
    expect(failover.current()).toBe('backup');
    failover.answered('primary'); // a late answer from before the switch does not switch back
    expect(failover.current()).toBe('backup');
    now = PRIMARY_RETRY_AFTER_MS;
    expect(failover.current()).toBe('primary'); // the probe
    failover.failed('primary'); // still down: another stay on the backup
    expect(failover.current()).toBe('backup');
    now = 2 * PRIMARY_RETRY_AFTER_MS;
    failover.answered('primary'); // the probe answered: back for good
    expect(failover.current()).toBe('primary');
    expect(switches).toEqual(['backup', 'primary']);
  });

  it('without a backup host, always the primary', () => {
    const failover = new HostFailover(false);
    failover.failed('primary');
    expect(failover.current()).toBe('primary');
  });
});
