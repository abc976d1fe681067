import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from '../support/cleanup';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { postGraphQL, SET_UNREAD } from '../support/gateway';
import { startGatewayProcess } from '../support/process';
import { adminAuthorization, TEST_SECRET_KEY } from '../support/test-app';
import { until } from '../support/wait';
import { ImCommand } from '../../src/tencent/commands';

/** A span as OTLP/HTTP JSON carries it, attributes flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** A local OTLP/HTTP receiver: every span posted to /v1/traces, and every body as received (for the secret check). */
async function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; bodies: string[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(body);
      const parsed = JSON.parse(body);
      for (const resource of parsed.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const attributes = Object.fromEntries((span.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]));
            spans.push({ traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, server };
}

describe('OpenTelemetry traces (on only with an OTLP endpoint)', () => {
  it('one mutation with the router’s traceparent: one trace from the incoming request down to the IM call and its HTTP request, with the command, host, attempt, limiter wait and ErrorCode; no secret in any span', async () => {
    const receiver = await otlpReceiver();
    const fake = new FakeIm(() => OK_REPLY);
    const imUrl = await fake.start();
    const gateway = await startGatewayProcess(imUrl, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'gateway-under-test' });
    onCleanup(async () => {
      gateway.process.child.kill('SIGKILL');
      await fake.close();
      receiver.server.close();
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const routerSpanId = '00f067aa0ba902b7';
    const response = await postGraphQL(gateway.url, SET_UNREAD.replace('mutation Set', 'mutation SetBob'), { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 4 } }, {
      ...adminAuthorization(),
      traceparent: `00-${traceId}-${routerSpanId}-01`,
    });
    expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(4);

    const imSpanName = `IM ${ImCommand.SET_UNREAD_MSG_NUM}`;
    await until(() => receiver.spans.some((span) => span.name === imSpanName) && receiver.spans.some((span) => span.kind === 2), 'the spans to arrive', 20_000);
    const ofTrace = receiver.spans.filter((span) => span.traceId === traceId);
    const byId = new Map(ofTrace.map((span) => [span.spanId, span]));
    const server = ofTrace.find((span) => span.kind === 2)!; // SERVER: the HTTP instrumentation, continuing the router's span
    expect(server.parentSpanId).toBe(routerSpanId);
    const operation = ofTrace.find((span) => span.name === 'mutation SetBob')!;
    expect(operation.parentSpanId).toBe(server.spanId);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'SetBob', 'graphql.outcome': 'ok' });
    const imCall = ofTrace.find((span) => span.name === imSpanName)!;
    // The IM call is below the operation (through the group-type check's span or directly).
    let ancestor = byId.get(imCall.parentSpanId!);
    while (ancestor !== undefined && ancestor !== operation) ancestor = byId.get(ancestor.parentSpanId!);
    expect(ancestor).toBe(operation);
    expect(imCall.attributes).toMatchObject({ 'im.command': ImCommand.SET_UNREAD_MSG_NUM, 'server.address': new URL(imUrl).host, 'im.attempts': 1, 'im.error_code': 0 });
    expect(typeof imCall.attributes['im.limiter_wait_ms']).toBe('number');
    const request = ofTrace.find((span) => span.kind === 3 && span.parentSpanId === imCall.spanId)!; // CLIENT: undici
    expect(request.attributes['url.full']).toBe(`${imUrl}/v4/group_open_http_svc/set_unread_msg_num`);
    // The admin UserSig rides in IM's query string, and callers' UserSigs in headers: neither reaches a span.
    const userSig = fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)[0].query.usersig;
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(userSig);
    expect(exported).not.toContain(TEST_SECRET_KEY);
    expect(exported).not.toContain(adminAuthorization().authorization.split(' ')[1]);
    expect(exported).toContain('gateway-under-test');
  }, 60_000);

  it('off without an endpoint: no span is sent anywhere, and the SDK is not even loaded', async () => {
    const fake = new FakeIm(() => OK_REPLY);
    const gateway = await startGatewayProcess(await fake.start(), { NODE_DEBUG: 'module' });
    onCleanup(async () => {
      gateway.process.child.kill('SIGKILL');
      await fake.close();
    });
    const response = await postGraphQL(gateway.url, SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 1 } }, adminAuthorization());
    expect(response.status).toBe(200);
    expect(gateway.process.stderr()).not.toMatch(/@opentelemetry[\\/]sdk-trace/);
  }, 60_000);
});
