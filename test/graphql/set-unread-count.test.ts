import { IM_ERROR_TABLE } from '../../src/tencent/error-table';
import { verifyUserSig } from '../../src/tencent/usersig';
import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway, TEST_SDKAPPID, TEST_SECRET_KEY, type TestGateway } from '../support/gateway';

const SET_COMMAND = 'group_open_http_svc/set_unread_msg_num';
const bob = { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 5 };

describe('setGroupMemberUnreadCount against the built-in simulator', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.stop());

  it('sets the count in IM and returns the payload', async () => {
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { setGroupMemberUnreadCount: { ...bob, coalesced: false } } });
    expect(gateway.simulator!.unreadCount(bob.groupId, 'bob')).toBe(5);
  });

  it('reports the simulator in imGateway', async () => {
    const response = await gateway.graphql('{ imGateway { region simulator rateLimitPerSecond sdkAppId host } }');
    expect(response.body.data.imGateway).toMatchObject({ region: null, simulator: true, rateLimitPerSecond: 200 });
    expect(response.body.data.imGateway.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers GROUP_NOT_FOUND and FORBIDDEN as IM reports them', async () => {
    const missing = await gateway.graphql(SET_UNREAD, { input: { ...bob, groupId: '@TGS#NOSUCHGROUP' } });
    expect(missing.body.errors[0].extensions).toEqual({
      code: 'GROUP_NOT_FOUND',
      imErrorCode: 10010,
      imErrorInfo: expect.any(String),
      retryable: false,
    });
    const stranger = await gateway.graphql(SET_UNREAD, { input: { ...bob, memberAccount: 'stranger' } });
    expect(stranger.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', imErrorCode: 10007, retryable: false });
  });
});

describe('setGroupMemberUnreadCount on the wire', () => {
  let fake: FakeIm;
  let gateway: TestGateway;
  beforeAll(async () => {
    fake = new FakeIm();
    gateway = await startTestGateway({ IM_MAX_RETRIES: '0', IM_TIMEOUT_MS: '300', IM_COALESCE_WINDOW_MS: '0' }, await fake.start());
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.handler = () => OK_REPLY;
  });

  it('POSTs the documented URL, query string and JSON body, with a valid admin UserSig', async () => {
    await gateway.graphql(SET_UNREAD, { input: bob });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v4/${SET_COMMAND}`);
    expect(Object.keys(request.query).sort()).toEqual(['contenttype', 'identifier', 'random', 'sdkappid', 'usersig']);
    expect(request.query).toMatchObject({ sdkappid: String(TEST_SDKAPPID), identifier: 'administrator', contenttype: 'json' });
    expect(request.query.random).toMatch(/^\d+$/);
    expect(Number(request.query.random)).toBeLessThanOrEqual(0xffffffff);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.rawBody).toBe(JSON.stringify({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: 5 }));
    const claims = verifyUserSig(request.query.usersig, { sdkAppId: TEST_SDKAPPID, secretKey: TEST_SECRET_KEY, identifier: 'administrator' });
    expect(claims.expire).toBeGreaterThanOrEqual(86400);
  });

  it('reuses one UserSig across calls and sends a fresh random each time', async () => {
    await gateway.graphql(SET_UNREAD, { input: bob });
    await gateway.graphql(SET_UNREAD, { input: { ...bob, unreadCount: 6 } });
    await gateway.graphql(SET_UNREAD, { input: { ...bob, unreadCount: 7 } });
    const [a, b, c] = fake.requests;
    expect(new Set([a.query.usersig, b.query.usersig, c.query.usersig]).size).toBe(1);
    expect(new Set([a.query.random, b.query.random, c.query.random]).size).toBe(3);
  });

  it('counts Tencent’s own sample reply, with its misspelled Action1Status, as success', async () => {
    fake.handler = () => ({ Action1Status: 'OK', ErrorInfo: '', ErrorCode: 0 });
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(5);
  });

  it('ignores fields Tencent may add to a reply', async () => {
    fake.handler = () => ({ ...OK_REPLY, RequestId: 'abc', Brand: { New: ['field'] } });
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.body.errors).toBeUndefined();
  });

  it.each([
    ['a 502 reply', () => ({ status: 502, text: 'Bad Gateway' })],
    ['a reply that is not JSON', () => ({ status: 200, text: '<html>oops</html>' })],
    ['a reply without ErrorCode', () => ({ ActionStatus: 'OK' })],
    ['a reply slower than IM_TIMEOUT_MS', () => ({ json: OK_REPLY, delayMs: 800 })],
  ])('turns %s into a retryable IM_UNAVAILABLE without imErrorCode', async (_name, reply) => {
    fake.handler = reply;
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.body.data).toBeNull();
    expect(response.body.errors[0].extensions).toEqual({ code: 'IM_UNAVAILABLE', retryable: true });
  });

  it('maps an ErrorCode missing from the table to IM_ERROR, not retryable', async () => {
    fake.handler = () => imError(12345, 'something new');
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.body.errors[0].extensions).toEqual({ code: 'IM_ERROR', retryable: false, imErrorCode: 12345, imErrorInfo: 'something new' });
  });

  // The "Error codes" table (docs/api.md), copied here by hand (not read from the code): every row, over HTTP.
  const README_TABLE: Array<[number[], string, boolean]> = [
    [[10004], 'BAD_USER_INPUT', false],
    [[10015], 'INVALID_GROUP_ID', false],
    [[10010], 'GROUP_NOT_FOUND', false],
    [[10007], 'FORBIDDEN', false],
    [[10002, 60008, 70169, 70202, 70500], 'IM_UNAVAILABLE', true],
    [[60007, 60011, 60018, 60019, 10006], 'RATE_LIMITED', true],
    [
      [60004, 60005, 60006, 60010, 60016, 60017, 60020, 60021, 70001, 70003, 70005, 70009, 70013, 70014, 70016, 70020, 70050, 70052, 70403],
      'IM_CONFIGURATION_ERROR',
      false,
    ],
    [[10003, 60002, 60003], 'INTERNAL_SERVER_ERROR', false],
  ];
  // 70050 pauses all calls for a minute, so it runs last.
  const rows = README_TABLE.flatMap(([imCodes, code, retryable]) => imCodes.map((imCode) => [imCode, code, retryable] as const)).sort(
    ([a], [b]) => (a === 70050 ? 1 : b === 70050 ? -1 : a - b),
  );
  it.each(rows)('maps IM ErrorCode %i to %s (retryable: %s)', async (imCode, code, retryable) => {
    fake.handler = () => imError(imCode, `info for ${imCode}`);
    const response = await gateway.graphql(SET_UNREAD, { input: bob });
    expect(response.status).toBe(200);
    expect(response.body.errors[0].extensions).toEqual({ code, retryable, imErrorCode: imCode, imErrorInfo: `info for ${imCode}` });
    expect(response.body.errors[0].message).not.toContain(String(imCode));
  });

  it('knows no more IM codes than the Error codes table lists, and maps none to UNAUTHENTICATED', () => {
    expect([...IM_ERROR_TABLE.keys()].sort()).toEqual(rows.map(([imCode]) => imCode).sort());
    for (const errorClass of IM_ERROR_TABLE.values()) expect(errorClass.code).not.toBe('UNAUTHENTICATED');
  });
});

describe('input validation', () => {
  let fake: FakeIm;
  let gateway: TestGateway;
  beforeAll(async () => {
    fake = new FakeIm();
    gateway = await startTestGateway({}, await fake.start());
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });

  it.each([
    ['an empty groupId', { groupId: '' }, 'input.groupId'],
    ['a 49-byte groupId', { groupId: '@TGS#' + 'A'.repeat(44) }, 'input.groupId'],
    ['a non-ASCII groupId', { groupId: '@TGS#群组' }, 'input.groupId'],
    ['a groupId with a newline', { groupId: '@TGS#A\nB' }, 'input.groupId'],
    ['an empty memberAccount', { memberAccount: '' }, 'input.memberAccount'],
    ['a 33-byte memberAccount', { memberAccount: 'b'.repeat(33) }, 'input.memberAccount'],
    ['a memberAccount of 11 three-byte characters (33 bytes)', { memberAccount: '用'.repeat(11) }, 'input.memberAccount'],
    ['a memberAccount with a control character', { memberAccount: 'bo\u0001b' }, 'input.memberAccount'],
    ['a negative unreadCount', { unreadCount: -1 }, 'input.unreadCount'],
  ])('refuses %s with BAD_USER_INPUT naming the field, and calls IM not at all', async (_name, change, field) => {
    const response = await gateway.graphql(SET_UNREAD, { input: { ...bob, ...change } });
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(response.body.errors[0].message).toContain(field);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['a float', 1.5],
    ['a number beyond Int', 2 ** 31],
    ['null', null],
    ['a string', '5'],
  ])('refuses an unreadCount that is %s before any IM call', async (_name, unreadCount) => {
    const response = await gateway.graphql(SET_UNREAD, { input: { ...bob, unreadCount } });
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors[0].message).toContain('unreadCount');
    expect(fake.requests).toHaveLength(0);
  });

  it('accepts the limits themselves: a 48-byte groupId and a 32-byte account', async () => {
    const response = await gateway.graphql(SET_UNREAD, { input: { groupId: '@TGS#' + 'A'.repeat(43), memberAccount: 'b'.repeat(32), unreadCount: 0 } });
    expect(response.body.errors).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });
});
