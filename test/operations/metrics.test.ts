import { onCleanup } from '../support/cleanup';
import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway } from '../support/gateway';

const SET = 'group_open_http_svc/set_unread_msg_num';

function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics and /readyz', () => {
  it('counts IM calls by command and ErrorCode, latency, retries, merges, operations, and the process defaults', async () => {
    const script = [() => OK_REPLY, () => imError(10010), () => imError(70169), () => OK_REPLY];
    const fake = new FakeIm((_request, index) => (index < script.length ? script[index]() : { json: OK_REPLY, delayMs: 50 }));
    const gateway = await startTestGateway({ IM_COALESCE_WINDOW_MS: '20' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const update = (memberAccount: string, unreadCount: number, operation = 'Set') =>
      gateway.graphql(SET_UNREAD.replace('mutation Set', `mutation ${operation}`), { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount, unreadCount } });
    expect((await update('a', 1)).body.errors).toBeUndefined(); // OK
    expect((await update('b', 1)).body.errors[0].extensions.code).toBe('GROUP_NOT_FOUND'); // 10010
    expect((await update('c', 1, 'Retried')).body.errors).toBeUndefined(); // 70169, retried, OK
    await Promise.all([update('d', 7), update('d', 7), update('d', 7)]); // one call, two merged

    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = await response.text();
    expect(sample(metrics, 'im_gateway_im_calls_total', { command: SET, error_code: '0', code: 'OK' })).toBe(3);
    expect(sample(metrics, 'im_gateway_im_calls_total', { command: SET, error_code: '10010', code: 'GROUP_NOT_FOUND' })).toBe(1);
    expect(sample(metrics, 'im_gateway_im_calls_total', { command: SET, error_code: '70169', code: 'IM_UNAVAILABLE' })).toBe(1);
    expect(sample(metrics, 'im_gateway_im_call_duration_seconds_count', { command: SET })).toBe(5);
    expect(sample(metrics, 'im_gateway_im_retries_total', { code: 'IM_UNAVAILABLE' })).toBe(1);
    expect(sample(metrics, 'im_gateway_coalescer_merged_updates_total')).toBe(2);
    expect(sample(metrics, 'im_gateway_graphql_operations_total', { operation: 'Set', outcome: 'ok' })).toBe(4);
    expect(sample(metrics, 'im_gateway_graphql_operations_total', { operation: 'Set', outcome: 'GROUP_NOT_FOUND' })).toBe(1);
    expect(sample(metrics, 'im_gateway_graphql_operations_total', { operation: 'Retried', outcome: 'ok' })).toBe(1);
    expect(sample(metrics, 'im_gateway_limiter_queue_length')).toBe(0);
    expect(sample(metrics, 'im_gateway_limiter_wait_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(sample(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(metrics, 'nodejs_eventloop_lag_seconds')).toBeDefined();

    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('the start-up warm-up (WARM_UP_REQUESTS) runs the write path to the resolver, costs no IM call, and leaves no log line or metric of its requests', async () => {
    const fake = new FakeIm(() => OK_REPLY);
    const gateway = await startTestGateway({ AUTH_MODE: 'usersig', WARM_UP_REQUESTS: '120' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    // BAD_USER_INPUT: authenticated as the app admin, and refused by the write use case before any IM call.
    const logged = gateway.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const warmed = logged.filter((line) => String(line.msg).startsWith('warmed up'));
    expect(warmed).toHaveLength(1);
    expect(warmed[0]).toMatchObject({ requests: 120, outcomes: { BAD_USER_INPUT: 120 } });
    expect(fake.requests).toHaveLength(0);
    expect(fake.groupInfoRequests).toHaveLength(0);
    expect(logged.filter((line) => line.msg === 'request error')).toEqual([]);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).not.toContain('operation="WarmUp"');
  });
});
