import { onCleanup } from '../support/cleanup';
import { generateKeyPair } from 'jose';
import { ImCommand } from '../../src/tencent/commands';
import { JWT_AUDIENCE, JWT_ISSUER, TestIdentityProvider } from '../support/jwks';
import { gatewayOnFakeIm, SET_UNREAD, SET_UNREAD_BATCH, startTestGateway, type TestGateway } from '../support/gateway';

const STATUS = '{ imGateway { region simulator } }';
const bob = { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 3 };

describe('AUTH_MODE=usersig', () => {
  const setup = gatewayOnFakeIm({ ADMIN_ACCOUNTS: 'ops' });

  it('is the default in front of Tencent, and accepts the caller’s own UserSig', async () => {
    const response = await setup.gateway.graphql(SET_UNREAD, { input: bob }, setup.gateway.userSigHeader('ops'));
    expect(response.body.errors).toBeUndefined();
    expect(setup.fake.requests).toHaveLength(1);
  });

  it.each([
    ['no header', {}, 'MISSING'],
    ['an empty header', { authorization: '' }, 'MISSING'],
    ['another scheme', { authorization: 'Bearer abc' }, 'WRONG_SCHEME'],
    ['garbage', { authorization: 'UserSig not-a-usersig' }, 'MALFORMED'],
    ['an absurdly long credential', { authorization: `UserSig ${'A'.repeat(10_000)}` }, 'MALFORMED'],
  ])('refuses %s with 401, a challenge and no IM call', async (_name, headers, reason) => {
    const response = await setup.gateway.graphql(SET_UNREAD, { input: bob }, { authorization: '', ...headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('UserSig');
    expect(response.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason, retryable: false });
    expect(response.body.data).toBeUndefined();
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('accepts the scheme in any case', async () => {
    const header = setup.gateway.userSigHeader('ops').authorization.replace('UserSig', 'usersig');
    const response = await setup.gateway.graphql(SET_UNREAD, { input: bob }, { authorization: header });
    expect(response.body.errors).toBeUndefined();
  });

  it('refuses a whole batch without credentials before any item reaches IM', async () => {
    const response = await setup.gateway.graphql(SET_UNREAD_BATCH, { inputs: [bob, { ...bob, memberAccount: 'dave' }] }, { authorization: '' });
    expect(response.status).toBe(401);
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('keeps imGateway, introspection and /healthz reachable without credentials', async () => {
    const status = await setup.gateway.graphql(STATUS, undefined, { authorization: '' });
    expect(status.status).toBe(200);
    expect(status.body.data.imGateway.simulator).toBe(false);
    const introspection = await setup.gateway.graphql('{ __schema { queryType { name } } __typename }', undefined, { authorization: '' });
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
    const health = await fetch(`${setup.gateway.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('asks for credentials before reading group data (no get_group_info or get_role_in_group)', async () => {
    const response = await setup.gateway.graphql(
      '{ group(id: "@TGS#2CLUZEAEJ") { type } groupMember(groupId: "@TGS#2CLUZEAEJ", memberAccount: "bob") { role } }',
      undefined,
      { authorization: '' },
    );
    expect(response.status).toBe(401);
    expect(setup.fake.requests).toHaveLength(0);
  });
});

describe('ALLOW_SELF_UPDATE=false', () => {
  it('takes the member’s right over their own count away, and nothing else', async () => {
    const gateway = await startTestGateway({ AUTH_MODE: 'usersig', ALLOW_SELF_UPDATE: 'false' });
    onCleanup(async () => {
      await gateway.stop();
    });
    const self = await gateway.graphql(SET_UNREAD, { input: bob }, gateway.userSigHeader('bob'));
    expect(self.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(self.body.errors[0].message).not.toContain('themself');
    const owner = await gateway.graphql(SET_UNREAD, { input: bob }, gateway.userSigHeader('alice'));
    expect(owner.body.errors).toBeUndefined();
    expect(gateway.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(1);
  });
});

describe('batch authorization', () => {
  it('authorizes each item on its own, with one get_role_in_group per group', async () => {
    const gateway = await startTestGateway({ AUTH_MODE: 'usersig' });
    onCleanup(async () => {
      await gateway.stop();
    });
    const simulator = gateway.simulator!;
    simulator.addGroup({ groupId: '@TGS#CAROLOWNS', type: 'Public', messageCount: 100, members: { carol: 'Owner', bob: 'Member', dave: 'Member' } });
    simulator.addGroup({ groupId: '@TGS#NOTCAROLS', type: 'Public', messageCount: 100, members: { alice: 'Owner', bob: 'Member', dave: 'Member' } });
    const response = await gateway.graphql(
      SET_UNREAD_BATCH,
      {
        inputs: [
          { groupId: '@TGS#CAROLOWNS', memberAccount: 'bob', unreadCount: 1 },
          { groupId: '@TGS#NOTCAROLS', memberAccount: 'bob', unreadCount: 2 },
          { groupId: '@TGS#CAROLOWNS', memberAccount: 'dave', unreadCount: 3 },
          { groupId: '@TGS#NOTCAROLS', memberAccount: 'dave', unreadCount: 4 },
        ],
      },
      gateway.userSigHeader('carol'),
    );
    const results = response.body.data.setGroupMemberUnreadCounts.results;
    expect(results.map((result: { ok: boolean; error: { code: string } | null }) => result.error?.code ?? 'OK')).toEqual([
      'OK',
      'FORBIDDEN',
      'OK',
      'FORBIDDEN',
    ]);
    expect(simulator.unreadCount('@TGS#CAROLOWNS', 'bob')).toBe(1);
    expect(simulator.unreadCount('@TGS#NOTCAROLS', 'bob')).toBe(0);
    expect(simulator.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(2);
    expect(simulator.callsOf(ImCommand.GET_ROLE_IN_GROUP)).toHaveLength(2);
  });
});

describe('AUTH_MODE=jwt', () => {
  const idp = new TestIdentityProvider();
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ AUTH_MODE: 'jwt', JWT_JWKS_URL: await idp.start(), JWT_ISSUER, JWT_AUDIENCE, JWT_ACCOUNT_CLAIM: 'im_account' });
  });
  afterAll(async () => {
    await gateway.stop();
    await idp.close();
  });

  const asAlice = { claims: { im_account: 'alice' } };
  it.each([
    ['a wrong issuer', { ...asAlice, issuer: 'https://evil.example/' }, 'WRONG_ISSUER'],
    ['a wrong audience', { ...asAlice, audience: 'other' }, 'WRONG_AUDIENCE'],
    ['an expired token', { ...asAlice, expiresAt: Math.floor(Date.now() / 1000) - 60 }, 'EXPIRED'],
    ['no account claim', {}, 'BAD_ACCOUNT_CLAIM'],
    ['an account claim IM would refuse', { claims: { im_account: 'x'.repeat(33) } }, 'BAD_ACCOUNT_CLAIM'],
  ])('refuses %s with 401', async (_name, overrides, reason) => {
    const token = await idp.token('user-123', overrides);
    const response = await gateway.graphql(SET_UNREAD, { input: bob }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body.errors[0].extensions.reason).toBe(reason);
    expect(gateway.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });

  it('refuses a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await idp.token('user-123', { ...asAlice, key: privateKey });
    const response = await gateway.graphql(SET_UNREAD, { input: bob }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.reason).toBe('BAD_SIGNATURE');
  });

  it('takes the account from the configured claim and fetches the key set once', async () => {
    const token = await idp.token('user-123', asAlice);
    for (let i = 0; i < 3; i++) {
      const response = await gateway.graphql(SET_UNREAD, { input: { ...bob, unreadCount: i } }, { authorization: `Bearer ${token}` });
      expect(response.body.errors).toBeUndefined();
    }
    expect(idp.requests).toBe(1);
    expect(gateway.simulator!.unreadCount(bob.groupId, 'bob')).toBe(2);
  });
});

describe('AUTH_MODE=jwt with the identity provider down', () => {
  it('answers AUTH_UNAVAILABLE (503, retryable), not 401, so clients do not log their users out', async () => {
    const idp = new TestIdentityProvider();
    const jwksUrl = await idp.start();
    const token = await idp.token('alice');
    await idp.close();
    const gateway = await startTestGateway({ AUTH_MODE: 'jwt', JWT_JWKS_URL: jwksUrl, JWT_ISSUER, JWT_AUDIENCE });
    onCleanup(async () => {
      await gateway.stop();
    });
    const response = await gateway.graphql(SET_UNREAD, { input: bob }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(503);
    expect(response.body.errors[0].extensions).toEqual({ code: 'AUTH_UNAVAILABLE', retryable: true });
  });
});

describe('reading a member’s role', () => {
  it('is for app admins, the group’s Owner and Admins, and the member themself', async () => {
    const gateway = await startTestGateway({ AUTH_MODE: 'usersig' });
    const roleOf = (caller: string, memberAccount: string) =>
      gateway.graphql(`{ groupMember(groupId: "@TGS#2CLUZEAEJ", memberAccount: "${memberAccount}") { role } }`, undefined, gateway.userSigHeader(caller));
    onCleanup(async () => {
      await gateway.stop();
    });
    expect((await roleOf('bob', 'bob')).body.data.groupMember.role).toBe('Member');
    expect((await roleOf('administrator', 'alice')).body.data.groupMember.role).toBe('Owner');
    const callsBefore = gateway.simulator!.callsOf(ImCommand.GET_ROLE_IN_GROUP).length;
    expect((await roleOf('carol', 'dave')).body.data.groupMember.role).toBe('Member');
    const calls = gateway.simulator!.callsOf(ImCommand.GET_ROLE_IN_GROUP).slice(callsBefore);
    expect(calls.map((call) => (call.body as { User_Account: string[] }).User_Account.sort())).toEqual([['carol', 'dave']]); // one batched call
    for (const [caller, member] of [['bob', 'dave'], ['eve', 'bob']]) {
      const refused = await roleOf(caller, member);
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(refused.body.data).toBeNull();
    }
  });
});
