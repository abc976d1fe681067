import { verifyUserSig } from '../../src/tencent/usersig';
import { onCleanup } from '../support/cleanup';
import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway, TEST_SDKAPPID, TEST_SECRET_KEY, type TestGateway } from '../support/gateway';

const bob = { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 4 } };

describe('retries', () => {
  let fake: FakeIm;
  let gateway: TestGateway;
  beforeEach(async () => {
    fake = new FakeIm();
    gateway = await startTestGateway({ IM_MAX_RETRIES: '3', IM_TIMEOUT_MS: '300' }, await fake.start());
  });
  afterEach(async () => {
    await gateway.stop();
    await fake.close();
  });

  it.each([
    ['internal error 10002', () => imError(10002)],
    ['service timeout 60008', () => imError(60008)],
    ['frequency limit 60007', () => imError(60007)],
    ['operation frequency 10006', () => imError(10006)],
    ['a 502', () => ({ status: 502, text: 'bad gateway' })],
    ['a non-JSON reply', () => ({ status: 200, text: 'oops' })],
    ['a timeout', () => ({ json: OK_REPLY, delayMs: 600 })],
  ])('retries %s and succeeds when IM recovers', async (_name, failure) => {
    fake.handler = (_request, index) => (index < 2 ? failure() : OK_REPLY);
    const response = await gateway.graphql(SET_UNREAD, bob);
    expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(4);
    expect(fake.requests).toHaveLength(3);
  });

  it.each([10004, 10007, 10010, 10015, 60006, 70003, 12345])('does not retry the non-retryable %i', async (imCode) => {
    fake.handler = () => imError(imCode);
    const response = await gateway.graphql(SET_UNREAD, bob);
    expect(response.body.errors[0].extensions.imErrorCode).toBe(imCode);
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up after IM_MAX_RETRIES retries with the last error', async () => {
    fake.handler = () => imError(70500, 'still broken');
    const response = await gateway.graphql(SET_UNREAD, bob);
    expect(response.body.errors[0].extensions).toEqual({ code: 'IM_UNAVAILABLE', retryable: true, imErrorCode: 70500, imErrorInfo: 'still broken' });
    expect(fake.requests).toHaveLength(4);
  });

  it.each([70001, 70052])('re-signs the admin UserSig and retries once on %i', async (imCode) => {
    fake.handler = (_request, index) => (index === 0 ? imError(imCode) : OK_REPLY);
    const response = await gateway.graphql(SET_UNREAD, bob);
    expect(response.body.errors).toBeUndefined();
    expect(fake.requests).toHaveLength(2);
    expect(gateway.core.adminUserSig.signedCount).toBe(2);
    for (const request of fake.requests) {
      expect(() => verifyUserSig(request.query.usersig, { sdkAppId: TEST_SDKAPPID, secretKey: TEST_SECRET_KEY, identifier: 'administrator' })).not.toThrow();
    }
  });

  it('re-signs only once: a second 70001 is final', async () => {
    fake.handler = () => imError(70001);
    const response = await gateway.graphql(SET_UNREAD, bob);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70001 });
    expect(fake.requests).toHaveLength(2);
  });

  it('stops calling IM for 60 s after 70050, failing fast with IM_CONFIGURATION_ERROR', async () => {
    fake.handler = () => imError(70050);
    const first = await gateway.graphql(SET_UNREAD, bob);
    expect(first.body.errors[0].extensions).toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70050 });
    fake.handler = () => OK_REPLY;
    const second = await gateway.graphql(SET_UNREAD, { input: { ...bob.input, memberAccount: 'alice' } });
    expect(second.body.errors[0].extensions).toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70050, retryable: false });
    expect(second.body.errors[0].extensions.retryAfterMs).toBeGreaterThan(55_000);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('70050 stops calls already waiting for a limiter slot', () => {
  it('after the answer, the calls queued behind it never reach IM: each is answered IM_CONFIGURATION_ERROR without a call', async () => {
    const fake = new FakeIm(() => imError(70050));
    // 5 calls a second: the burst of 3 goes at once, the other 7 wait in the queue for their slots.
    const gateway = await startTestGateway({ IM_RATE_LIMIT_PER_SECOND: '5', IM_COALESCE_WINDOW_MS: '0' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => gateway.graphql(SET_UNREAD, { input: { ...bob.input, memberAccount: `m${i}` } })),
    );
    for (const response of responses) expect(response.body.errors[0].extensions).toMatchObject({ code: 'IM_CONFIGURATION_ERROR', imErrorCode: 70050 });
    expect(fake.requests.length).toBeLessThanOrEqual(3); // only the burst already on the wire when IM answered
  });
});
