import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadConfig } from '../../src/config/config';
import { ImCommand } from '../../src/tencent/commands';
import { onCleanup } from '../support/cleanup';
import { SET_UNREAD, startTestGateway, type TestGateway } from '../support/gateway';
import { startGatewayProcess } from '../support/process';
import { until } from '../support/wait';

async function gateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const started = await startTestGateway({ AUTH_MODE: 'usersig', ...env });
  onCleanup(() => started.stop());
  return started;
}

const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `g${i}: groupMember(groupId: "g${i}", memberAccount: "bob") { role }`).join(' ')} }`;

describe('limits that fail closed', () => {
  it('refuses 5,000 aliased role reads by a plain member on complexity, with no IM call (the counter would have thrown)', async () => {
    const gw = await gateway({ MAX_QUERY_TOKENS: '1000000' });
    const response = await gw.graphql(aliases(5000), undefined, gw.userSigHeader('bob'));
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'complexity', max: 1000 });
    expect(response.body.errors[0].extensions.actual).toBeGreaterThanOrEqual(10_000);
    expect(gw.simulator!.callsOf(ImCommand.GET_ROLE_IN_GROUP)).toHaveLength(0);
  });

  it('bounds the IM reads one request may cause: past MAX_GROUPS_PER_REQUEST groups, OPERATION_LIMIT_EXCEEDED and no call', async () => {
    const gw = await gateway();
    for (let i = 0; i < 60; i++) gw.simulator!.addGroup({ groupId: `@TGS#MANY${i}`, type: 'Public', messageCount: 5, members: { dave: 'Owner', bob: 'Member' } });
    const query = `{ ${Array.from({ length: 60 }, (_, i) => `g${i}: groupMember(groupId: "@TGS#MANY${i}", memberAccount: "dave") { role }`).join(' ')} }`;
    const response = await gw.graphql(query, undefined, gw.userSigHeader('bob'));
    const codes = (response.body.errors as Array<{ extensions: { code: string; limit?: string } }>).map((error) => error.extensions);
    // A non-null field's error empties `data`, so not every field's error is listed; the bound shows in the calls.
    expect(codes).toContainEqual({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'groupsPerRequest', max: 50, actual: 51, retryable: false });
    // The admitted groups' reads go out in the process-wide batch (within IM_READ_BATCH_WINDOW_MS); the 51st never.
    await until(() => gw.simulator!.callsOf(ImCommand.GET_ROLE_IN_GROUP).length > 0, 'the admitted reads at IM');
    await until(() => gw.core.reads.role.activePartitions === 0, 'every admitted read answered');
    expect(gw.simulator!.callsOf(ImCommand.GET_ROLE_IN_GROUP).length).toBeLessThanOrEqual(50);
  });

  it('stops parsing a document past MAX_QUERY_TOKENS (default 15,000): GRAPHQL_PARSE_FAILED, 400, no IM call', async () => {
    const gw = await gateway();
    const response = await gw.graphql(aliases(2000), undefined, gw.userSigHeader('bob'));
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(gw.simulator!.calls).toHaveLength(0);
  });

  it('labels metrics with short GraphQL names only, and refuses operation names past 128 characters whole', async () => {
    const gw = await gateway();
    for (let i = 0; i < 20; i++) {
      const response = await gw.graphql(`query Op${i}_${'x'.repeat(100)} { imGateway { region } }`, undefined, {});
      expect(response.status).toBe(200);
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/im_gateway_graphql_operations_total\{operation="other",outcome="ok"\} 20/);
    const huge = `Op_${'x'.repeat(200_000)}`;
    const inDocument = await gw.graphql(`query ${huge} { imGateway { region } }`, undefined, {});
    expect(inDocument.status).toBe(400);
    expect(inDocument.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'operationName', max: 128 });
    const inBody = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ imGateway { region } }', operationName: huge }) });
    expect(inBody.status).toBe(400);
    const text = await inBody.text();
    expect(text.length).toBeLessThan(1000); // the name is not echoed back
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe("no caller spends the app's set budget for nothing", () => {
  it("refuses a non-member's self-update with FORBIDDEN and no set call (IM would have answered 10007)", async () => {
    const gw = await gateway();
    gw.simulator!.addGroup({ groupId: '@TGS#NOTMINE', type: 'Public', messageCount: 5, members: { dave: 'Owner', bob: 'Member' } });
    const response = await gw.graphql(SET_UNREAD, { input: { groupId: '@TGS#NOTMINE', memberAccount: 'mallory', unreadCount: 1 } }, gw.userSigHeader('mallory'));
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(response.body.errors[0].message).toContain('not a member of this group');
    expect(gw.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
    // A member setting their own count still goes through.
    const own = await gw.graphql(SET_UNREAD, { input: { groupId: '@TGS#NOTMINE', memberAccount: 'bob', unreadCount: 2 } }, gw.userSigHeader('bob'));
    expect(own.body.data.setGroupMemberUnreadCount).toMatchObject({ unreadCount: 2 });
    expect(gw.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(1);
  });
});

describe('hostile strings and bodies', () => {
  it('answers a lone surrogate in memberAccount with BAD_USER_INPUT naming the field (single and batch), no IM call', async () => {
    const gw = await gateway({ AUTH_MODE: 'none' });
    const single = await gw.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bo\ud800b', unreadCount: 1 } });
    expect(single.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.memberAccount' });
    const batch = await gw.graphql('mutation M($i: [SetGroupMemberUnreadCountInput!]!) { setGroupMemberUnreadCounts(inputs: $i) { results { ok error { code field } } } }', {
      i: [{ groupId: '@TGS#2CLUZEAEJ', memberAccount: '\udc00', unreadCount: 1 }],
    });
    expect(batch.body.data.setGroupMemberUnreadCounts.results[0]).toEqual({ ok: false, error: { code: 'BAD_USER_INPUT', field: 'inputs[0].memberAccount' } });
    expect(gw.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });

  it('refuses a body that is not valid UTF-8 with 400 BAD_REQUEST instead of sending replacement characters to IM', async () => {
    const gw = await gateway({ AUTH_MODE: 'none' });
    const json = Buffer.from(JSON.stringify({ query: SET_UNREAD, variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bobX', unreadCount: 1 } } }));
    json[json.indexOf('bobX') + 3] = 0xff; // "bob\xff": not UTF-8
    const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_REQUEST', retryable: false });
    expect(gw.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });

  it('lets a client sending a chunked body over the limit read the 413', async () => {
    const gw = await gateway({ MAX_REQUEST_BODY_BYTES: '2048' });
    const chunk = new TextEncoder().encode(`{"query":"${'x'.repeat(1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('says MISSING for "Authorization: UserSig" with nothing after it', async () => {
    const gw = await gateway();
    const response = await gw.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 1 } }, { authorization: 'UserSig' });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.reason).toBe('MISSING');
  });

  it('writes one info line, no error and no stack, for an unauthenticated query of 200 unknown fields', async () => {
    const gw = await gateway();
    const before = gw.logs.lines.length;
    const response = await gw.graphql(`{ ${Array.from({ length: 200 }, (_, i) => `f${i}`).join(' ')} }`, undefined, {});
    expect(response.status).toBe(400);
    const lines = gw.logs.lines.slice(before).map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'request error')).toHaveLength(1);
    expect(lines.some((line) => line.err !== undefined)).toBe(false);
  });
});

describe('configuration bounds', () => {
  it('refuses IM_RATE_LIMIT_PER_SECOND=50000000 at start, naming the variable and its range', () => {
    expect(() => loadConfig({ IM_RATE_LIMIT_PER_SECOND: '50000000' })).toThrow('IM_RATE_LIMIT_PER_SECOND must be a whole number from 1 to 10000');
  });
});

describe('slow and numerous clients', () => {
  it('answers a body trickling in at a byte at a time with 408 once REQUEST_TIMEOUT_MS has passed, and frees the connection', async () => {
    const gw = await gateway({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000' });
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    onCleanup(() => socket.destroy());
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100); // never finishes on its own
    onCleanup(() => clearInterval(trickle));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes connections past MAX_CONNECTIONS at once, and serves again when one frees', async () => {
    const gw = await gateway({ MAX_CONNECTIONS: '2' });
    const { port } = new URL(gw.url);
    const open = async () => {
      const socket = connect(Number(port), '127.0.0.1');
      onCleanup(() => socket.destroy());
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return socket;
    };
    const [first] = [await open(), await open()];
    const third = await open();
    await new Promise<void>((resolve) => third.once('close', () => resolve())); // refused by the server
    first.destroy();
    await new Promise<void>((resolve) => first.once('close', () => resolve()));
    await until(async () => (await fetch(`${gw.url}/healthz`).catch(() => undefined))?.status === 200);
  });
});


describe('a 413 the client receives (lingering close)', () => {
  it('60 bodies of 20 MB from fetch each get the 413 answer, none a reset or EPIPE, and the process does not keep them', async () => {
    const { process: gateway, origin } = await startGatewayProcess('http://127.0.0.1:9', { AUTH_MODE: 'none' });
    onCleanup(() => gateway.child.kill('SIGKILL'));
    const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${gateway.child.pid}/status`, 'utf8'))![1]) / 1024;
    const body = Buffer.alloc(20 * 1024 * 1024, 'x');
    const post = () =>
      fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (response) => ({ status: response.status, code: ((await response.json()) as any).errors?.[0]?.extensions?.code }),
        (error: Error & { cause?: { code?: string } }) => ({ error: error.cause?.code ?? error.message }),
      );
    const answers = [];
    const rss: number[] = [];
    for (let i = 0; i < 60; i++) {
      answers.push(await post());
      if (i === 19 || i === 59) rss.push(rssMiB());
    }
    expect(answers).toEqual(Array(60).fill({ status: 413, code: 'PAYLOAD_TOO_LARGE' }));
    // Bodies are dropped as they arrive: after the first 20 (the heap and malloc's arenas settle), 40 more
    // (800 MB) add no more than a few of them would. Kept, they would add 800 MiB.
    console.log(`gateway RSS after 20 bodies of 20 MB ${rss[0].toFixed(0)} MiB, after 60 ${rss[1].toFixed(0)} MiB`);
    expect(rss[1] - rss[0]).toBeLessThan(80);
  }, 60_000);
});
