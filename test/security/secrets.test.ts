import { onCleanup } from '../support/cleanup';
import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, SET_UNREAD_BATCH, startTestGateway, TEST_SECRET_KEY } from '../support/gateway';
import { JWT_AUDIENCE, JWT_ISSUER, TestIdentityProvider } from '../support/jwks';
import { signUserSig } from '../../src/tencent/usersig';

describe('secrets', () => {
  it('never appear in the log or in any response, through successes and every kind of failure', async () => {
    const replies = [
      () => OK_REPLY,
      () => imError(70001),
      () => imError(70003, 'usersig check failed'),
      () => ({ status: 502, text: 'bad gateway' }),
      () => ({ status: 200, text: 'not json' }),
      () => imError(10010),
      () => ({ json: OK_REPLY, delayMs: 400 }),
    ];
    const fake = new FakeIm((_request, index) => replies[index % replies.length]());
    const gateway = await startTestGateway({ IM_MAX_RETRIES: '1', IM_TIMEOUT_MS: '200', LOG_LEVEL: 'trace' }, await fake.start());
    const bodies: string[] = [];
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    for (let i = 0; i < 10; i++) {
      const response = await gateway.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: `m${i}`, unreadCount: i } });
      bodies.push(JSON.stringify(response.body));
    }
    const batch = await gateway.graphql(SET_UNREAD_BATCH, {
      inputs: [
        { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'x', unreadCount: 1 },
        { groupId: '', memberAccount: 'y', unreadCount: 1 },
      ],
    });
    bodies.push(JSON.stringify(batch.body));
    const broken = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    bodies.push(await broken.text());
    const userSigs = [...new Set(fake.requests.map((request) => request.query.usersig))];
    expect(userSigs.length).toBeGreaterThanOrEqual(1);
    expect(gateway.core.adminUserSig.signedCount).toBeGreaterThanOrEqual(2); // 70001 made it re-sign
    expect(gateway.logs.lines.length).toBeGreaterThan(5);
    const everything = [gateway.logs.text, ...bodies].join('\n');
    expect(everything).not.toContain(TEST_SECRET_KEY);
    for (const userSig of userSigs) {
      expect(everything).not.toContain(userSig);
      // Not even a recognisable piece of one.
      expect(everything).not.toContain(userSig.slice(20, 60));
    }
  });

  it('keeps callers’ UserSigs and JWTs, accepted or refused, out of the log and every response', async () => {
    const idp = new TestIdentityProvider();
    const jwksUrl = await idp.start();
    const userSigGateway = await startTestGateway({ AUTH_MODE: 'usersig', LOG_LEVEL: 'trace' });
    const jwtGateway = await startTestGateway({ AUTH_MODE: 'jwt', JWT_JWKS_URL: jwksUrl, JWT_ISSUER, JWT_AUDIENCE, LOG_LEVEL: 'trace' });
    const simulator = userSigGateway.simulator!;
    const credentials: string[] = [];
    const bodies: string[] = [];
    const input = { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 2 };
    onCleanup(async () => {
      await Promise.all([userSigGateway.stop(), jwtGateway.stop()]);
      await idp.close();
    });
    const sig = (identifier: string, secretKey: string, nowSeconds?: number) =>
      signUserSig({ sdkAppId: simulator.sdkAppId, secretKey, identifier, expireSeconds: 60, nowSeconds });
    const userSigs = [
      sig('alice', simulator.secretKey),
      sig('eve', simulator.secretKey), // valid, but FORBIDDEN
      sig('administrator', 'wrong-key'),
      sig('administrator', simulator.secretKey, Math.floor(Date.now() / 1000) - 3600),
    ];
    for (const userSig of userSigs) {
      credentials.push(userSig);
      const response = await userSigGateway.graphql(SET_UNREAD, { input }, { authorization: `UserSig ${userSig}` });
      bodies.push(JSON.stringify(response.body));
    }
    const tokens = [await idp.token('alice'), await idp.token('alice', { audience: 'other' }), await idp.token('eve')];
    for (const token of tokens) {
      credentials.push(token);
      const response = await jwtGateway.graphql(SET_UNREAD, { input }, { authorization: `Bearer ${token}` });
      bodies.push(JSON.stringify(response.body));
    }
    expect(bodies.filter((body) => body.includes('UNAUTHENTICATED'))).toHaveLength(3);
    expect(bodies.filter((body) => body.includes('FORBIDDEN'))).toHaveLength(2);
    const everything = [userSigGateway.logs.text, jwtGateway.logs.text, ...bodies].join('\n');
    expect(everything).not.toContain(simulator.secretKey);
    for (const credential of credentials) {
      expect(everything).not.toContain(credential);
      expect(everything).not.toContain(credential.slice(20, 60));
    }
  });
});
