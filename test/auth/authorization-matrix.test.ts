import { ImCommand } from '../../src/tencent/commands';
import type { GroupType } from '../../src/domain/group';
import { signUserSig } from '../../src/tencent/usersig';
import { JWT_AUDIENCE, JWT_ISSUER, TestIdentityProvider } from '../support/jwks';
import { SET_UNREAD, startTestGateway, type TestGateway } from '../support/gateway';

/** One group of every type, all with the same roster, so only the type and the caller change. */
const GROUPS: Record<GroupType, string> = {
  Public: '@TGS#MXPUBLIC',
  Private: '@TGS#MXPRIVATE',
  Community: '@TGS#_MXCOMMUNITY',
  ChatRoom: '@TGS#MXCHATROOM',
  AVChatRoom: '@TGS#MXAVCHATROOM',
};
const ROSTER = { alice: 'Owner', carol: 'Admin', bob: 'Member', dave: 'Member' } as const;
const SUPPORTED: ReadonlySet<GroupType> = new Set(['Public', 'Private', 'Community']);

type Credentials = (gateway: TestGateway) => Promise<Record<string, string>>;
interface Row {
  caller: string;
  gateway: 'usersig' | 'jwt';
  credentials: Credentials;
  target: string;
  /** The outcome in a group whose type accepts unread counts; other types answer UNSUPPORTED_GROUP_TYPE once authenticated. */
  expected: 'OK' | 'FORBIDDEN' | 'UNAUTHENTICATED';
}

const identityProvider = new TestIdentityProvider();
const userSig = (account: string): Credentials => async (gateway) => gateway.userSigHeader(account);
const bearer = (token: () => Promise<string>): Credentials => async () => ({ authorization: `Bearer ${await token()}` });

const ROWS: Row[] = [
  { caller: 'app admin (IM_ADMIN_IDENTIFIER)', gateway: 'usersig', credentials: userSig('administrator'), target: 'bob', expected: 'OK' },
  { caller: 'app admin (ADMIN_ACCOUNTS)', gateway: 'usersig', credentials: userSig('ops'), target: 'bob', expected: 'OK' },
  { caller: 'group owner', gateway: 'usersig', credentials: userSig('alice'), target: 'bob', expected: 'OK' },
  { caller: 'group admin', gateway: 'usersig', credentials: userSig('carol'), target: 'bob', expected: 'OK' },
  { caller: 'member, self', gateway: 'usersig', credentials: userSig('bob'), target: 'bob', expected: 'OK' },
  { caller: 'member, other member', gateway: 'usersig', credentials: userSig('bob'), target: 'dave', expected: 'FORBIDDEN' },
  { caller: 'non-member', gateway: 'usersig', credentials: userSig('eve'), target: 'bob', expected: 'FORBIDDEN' },
  { caller: 'no credentials', gateway: 'usersig', credentials: async () => ({ authorization: '' }), target: 'bob', expected: 'UNAUTHENTICATED' },
  {
    caller: 'forged UserSig (wrong key)',
    gateway: 'usersig',
    credentials: async (gateway) => ({
      authorization: `UserSig ${signUserSig({ sdkAppId: gateway.simulator!.sdkAppId, secretKey: 'not-the-key', identifier: 'administrator', expireSeconds: 3600 })}`,
    }),
    target: 'bob',
    expected: 'UNAUTHENTICATED',
  },
  {
    caller: 'expired UserSig',
    gateway: 'usersig',
    credentials: async (gateway) => ({
      authorization: `UserSig ${signUserSig({
        sdkAppId: gateway.simulator!.sdkAppId,
        secretKey: gateway.simulator!.secretKey,
        identifier: 'administrator',
        expireSeconds: 60,
        nowSeconds: Math.floor(Date.now() / 1000) - 120,
      })}`,
    }),
    target: 'bob',
    expected: 'UNAUTHENTICATED',
  },
  {
    caller: "other app's UserSig",
    gateway: 'usersig',
    credentials: async (gateway) => ({
      authorization: `UserSig ${signUserSig({ sdkAppId: gateway.simulator!.sdkAppId + 1, secretKey: gateway.simulator!.secretKey, identifier: 'administrator', expireSeconds: 3600 })}`,
    }),
    target: 'bob',
    expected: 'UNAUTHENTICATED',
  },
  { caller: 'JWT, group owner', gateway: 'jwt', credentials: bearer(() => identityProvider.token('alice')), target: 'bob', expected: 'OK' },
  { caller: 'JWT, non-member', gateway: 'jwt', credentials: bearer(() => identityProvider.token('eve')), target: 'bob', expected: 'FORBIDDEN' },
  {
    caller: 'JWT, wrong audience',
    gateway: 'jwt',
    credentials: bearer(() => identityProvider.token('administrator', { audience: 'another-api' })),
    target: 'bob',
    expected: 'UNAUTHENTICATED',
  },
];

const CELLS = ROWS.flatMap((row) => (Object.keys(GROUPS) as GroupType[]).map((groupType) => [row.caller, groupType, row] as const));

describe('authorization matrix (callers × group types, over HTTP against the simulator)', () => {
  const gateways = {} as Record<Row['gateway'], TestGateway>;

  beforeAll(async () => {
    const jwksUrl = await identityProvider.start();
    gateways.usersig = await startTestGateway({ AUTH_MODE: 'usersig', ADMIN_ACCOUNTS: 'ops' });
    gateways.jwt = await startTestGateway({ AUTH_MODE: 'jwt', JWT_JWKS_URL: jwksUrl, JWT_ISSUER, JWT_AUDIENCE });
    for (const gateway of Object.values(gateways)) {
      for (const [type, groupId] of Object.entries(GROUPS)) {
        gateway.simulator!.addGroup({ groupId, type: type as GroupType, messageCount: 1000, members: { ...ROSTER } });
      }
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(gateways).map((gateway) => gateway.stop()));
    await identityProvider.close();
  });

  it.each(CELLS)('%s in a %s group', async (_caller, groupType, row) => {
    const gateway = gateways[row.gateway];
    const groupId = GROUPS[groupType];
    const setCalls = () => gateway.simulator!.callsOf(ImCommand.SET_UNREAD_MSG_NUM).filter((call) => (call.body as { GroupId: string }).GroupId === groupId).length;
    const before = setCalls();
    const unreadCount = 1 + Math.floor(Math.random() * 900);

    const response = await gateway.graphql(SET_UNREAD, { input: { groupId, memberAccount: row.target, unreadCount } }, await row.credentials(gateway));

    const expected = row.expected === 'UNAUTHENTICATED' || SUPPORTED.has(groupType) ? row.expected : 'UNSUPPORTED_GROUP_TYPE';
    if (expected === 'OK') {
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(unreadCount);
      expect(gateway.simulator!.unreadCount(groupId, row.target)).toBe(unreadCount);
      expect(setCalls()).toBe(before + 1);
      return;
    }
    expect(response.body.errors[0].extensions.code).toBe(expected);
    expect(response.status).toBe(expected === 'UNAUTHENTICATED' ? 401 : 200);
    if (expected === 'UNSUPPORTED_GROUP_TYPE') expect(response.body.errors[0].extensions.groupType).toBe(groupType);
    expect(setCalls()).toBe(before);
  });
});
