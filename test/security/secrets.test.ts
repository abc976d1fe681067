import { FakeIm, imError, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, SET_UNREAD_BATCH, startTestGateway, TEST_SECRET_KEY } from '../support/gateway';

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
    try {
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
    } finally {
      await gateway.stop();
      await fake.close();
    }
    const userSigs = [...new Set(fake.requests.map((request) => request.query.usersig))];
    expect(userSigs.length).toBeGreaterThanOrEqual(1);
    expect(gateway.upstream.adminUserSig.signedCount).toBeGreaterThanOrEqual(2); // 70001 made it re-sign
    expect(gateway.logs.lines.length).toBeGreaterThan(5);
    const everything = [gateway.logs.text, ...bodies].join('\n');
    expect(everything).not.toContain(TEST_SECRET_KEY);
    for (const userSig of userSigs) {
      expect(everything).not.toContain(userSig);
      // Not even a recognisable piece of one.
      expect(everything).not.toContain(userSig.slice(20, 60));
    }
  });
});
