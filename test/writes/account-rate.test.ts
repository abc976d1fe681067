import { redisForTests } from '../support/redis';
import { inProcessAccountRate } from '../../src/writes/account-rate';
import { EVERYONE_A_MEMBER, FakeIm } from '../support/fake-im';
import { onCleanup } from '../support/cleanup';
import { SET_UNREAD, startTestGateway } from '../support/gateway';

describe('each account’s share of the budget (unit, fake clock)', () => {
  it('admits a burst, then one write per interval; refuses the rest at once with the wait it needs; accounts are apart', async () => {
    let now = 0;
    const rate = inProcessAccountRate({ perSecond: 10, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) await rate.admit('mallory');
    await expect(rate.admit('mallory')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 100, refusedBeforeCall: true });
    await expect(rate.admit('alice')).resolves.toBeUndefined(); // another account is not touched
    now = 100;
    await expect(rate.admit('mallory')).resolves.toBeUndefined();
    await expect(rate.admit('mallory')).rejects.toMatchObject({ retryAfterMs: 100 });
  });
});

describe('a noisy neighbour over HTTP', () => {
  it('cannot starve a modest caller: the flood is refused at once, the modest caller’s updates all apply, IM sees ≤ 200 calls in any second', async () => {
    const fake = new FakeIm(EVERYONE_A_MEMBER);
    const gateway = await startTestGateway({ AUTH_MODE: 'usersig', ACCOUNT_RATE_LIMIT_PER_SECOND: '20', ACCOUNT_BURST: '20' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const mallory = gateway.userSigHeader('mallory');
    const alice = gateway.userSigHeader('alice');
    // mallory sets "her own" count in 1,000 groups as fast as she can (her share is checked before any lookup).
    const started = Date.now();
    const flood = Promise.all(
      Array.from({ length: 1000 }, (_, i) => gateway.graphql(SET_UNREAD, { input: { groupId: `@TGS#FLOOD${i}`, memberAccount: 'mallory', unreadCount: 1 } }, mallory)),
    );
    const modest = [];
    for (let i = 0; i < 15; i++) {
      modest.push(await gateway.graphql(SET_UNREAD, { input: { groupId: `@TGS#CALM${i}`, memberAccount: 'alice', unreadCount: i } }, alice));
    }
    const flooded = await flood;
    const seconds = (Date.now() - started) / 1000;
    expect(modest.every((response) => response.body.errors === undefined)).toBe(true);
    const refused = flooded.filter((response) => response.body.errors?.[0]?.extensions.code === 'RATE_LIMITED');
    // All but her burst (20) and what she earned meanwhile (20 a second) are refused.
    expect(refused.length).toBeGreaterThanOrEqual(1000 - 20 - Math.ceil(20 * seconds));
    expect(fake.requests.filter((request) => request.body.Member_Account === 'mallory').length).toBeLessThanOrEqual(20 + Math.ceil(20 * seconds));
    expect(refused.every((response) => response.body.errors[0].extensions.retryAfterMs >= 1)).toBe(true);
    const times = fake.requests.map((request) => request.receivedAt).sort((a, b) => a - b);
    let most = 0;
    for (let start = 0, end = 0; end < times.length; end++) {
      while (times[end] - times[start] >= 1000) start++;
      most = Math.max(most, end - start + 1);
    }
    expect(most).toBeLessThanOrEqual(200);
    expect(fake.requests.filter((request) => request.body.Member_Account === 'alice')).toHaveLength(15);
  }, 60_000);
});

describe('the share across replicas (IM_SHARED_STATE=redis)', () => {
  it('counts an account’s writes on every replica against one allowance', async () => {
    const redis = await redisForTests();
    const fake = new FakeIm(EVERYONE_A_MEMBER);
    const imUrl = await fake.start();
    const env = { AUTH_MODE: 'usersig', IM_SHARED_STATE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix, ACCOUNT_RATE_LIMIT_PER_SECOND: '1', ACCOUNT_BURST: '5' };
    const replicas = [await startTestGateway(env, imUrl), await startTestGateway(env, imUrl)];
    onCleanup(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await fake.close();
      await redis.stop();
    });
    const results = [];
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const replica = replicas[i % 2];
      results.push(await replica.graphql(SET_UNREAD, { input: { groupId: `@TGS#R${i}`, memberAccount: 'mallory', unreadCount: 1 } }, replica.userSigHeader('mallory')));
    }
    const codes = results.map((response) => response.body.errors?.[0]?.extensions.code ?? 'OK');
    // A burst of 5 shared by both, plus one per second that passed (on a busy machine the loop may take a while).
    const earned = Math.floor((Date.now() - started) / 1000);
    const ok = codes.filter((code) => code === 'OK').length;
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(5 + earned);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(10 - ok);
  });
});
