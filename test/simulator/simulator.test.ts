import { signUserSig } from '../../src/tencent/usersig';
import { ImSimulator } from '../../src/simulator/simulator';

const SET = 'group_open_http_svc/set_unread_msg_num';

describe('ImSimulator', () => {
  let simulator: ImSimulator;
  let baseUrl: string;
  beforeEach(async () => {
    simulator = new ImSimulator({ secretKey: 'sim-key', rateLimitPerSecond: 5 });
    baseUrl = await simulator.start();
  });
  afterEach(() => simulator.close());

  async function call(body: unknown, query: Partial<Record<string, string>> = {}, command = SET) {
    const params = new URLSearchParams({
      sdkappid: String(simulator.sdkAppId),
      identifier: 'administrator',
      usersig: signUserSig({ sdkAppId: simulator.sdkAppId, secretKey: 'sim-key', identifier: 'administrator', expireSeconds: 3600 }),
      random: '12345',
      contenttype: 'json',
      ...query,
    } as Record<string, string>);
    const response = await fetch(`${baseUrl}/v4/${command}?${params.toString()}`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as { ErrorCode: number } & Record<string, unknown>;
  }

  it('sets, clamps, and silently ignores ChatRoom and AVChatRoom groups while answering success', async () => {
    expect((await call({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: 5 })).ErrorCode).toBe(0);
    expect(simulator.unreadCount('@TGS#2CLUZEAEJ', 'bob')).toBe(5);
    expect((await call({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: 5000 })).ErrorCode).toBe(0);
    expect(simulator.unreadCount('@TGS#2CLUZEAEJ', 'bob')).toBe(100);
    expect((await call({ GroupId: '@TGS#3MEETING1', Member_Account: 'bob', UnreadMsgNum: 3 })).ErrorCode).toBe(0);
    expect(simulator.unreadCount('@TGS#3MEETING1', 'bob')).toBe(0);
    expect((await call({ GroupId: '@TGS#aLIVESTREAM', Member_Account: 'bob', UnreadMsgNum: 3 })).ErrorCode).toBe(0);
    expect(simulator.unreadCount('@TGS#aLIVESTREAM', 'bob')).toBe(0);
  });

  it('answers IM’s error codes for bad requests', async () => {
    expect((await call({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: -1 })).ErrorCode).toBe(10004);
    expect((await call({ GroupId: '@TGS#' + 'A'.repeat(44), Member_Account: 'bob', UnreadMsgNum: 1 })).ErrorCode).toBe(10015);
    expect((await call({ GroupId: '@TGS#NOPE', Member_Account: 'bob', UnreadMsgNum: 1 })).ErrorCode).toBe(10010);
    expect((await call({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'zed', UnreadMsgNum: 1 })).ErrorCode).toBe(10007);
  });

  it('checks the URL parameters and the UserSig like IM', async () => {
    const body = { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: 1 };
    expect((await call(body, { contenttype: 'xml' })).ErrorCode).toBe(60002);
    expect((await call(body, { random: '4294967296' })).ErrorCode).toBe(60002);
    expect((await call(body, { sdkappid: '1' })).ErrorCode).toBe(60006);
    expect((await call(body, { identifier: 'bob' })).ErrorCode).toBe(60010);
    expect((await call(body, { usersig: 'garbage' })).ErrorCode).toBe(70003);
    const expired = signUserSig({ sdkAppId: simulator.sdkAppId, secretKey: 'sim-key', identifier: 'administrator', expireSeconds: 10, nowSeconds: 1000 });
    expect((await call(body, { usersig: expired })).ErrorCode).toBe(70001);
    const otherKey = signUserSig({ sdkAppId: simulator.sdkAppId, secretKey: 'other', identifier: 'administrator', expireSeconds: 3600 });
    expect((await call(body, { usersig: otherKey })).ErrorCode).toBe(70003);
  });

  it('answers 60007 above its call rate', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await call({ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', UnreadMsgNum: i })).ErrorCode);
    expect(codes).toEqual([0, 0, 0, 0, 0, 60007, 60007]);
  });

  it('answers get_group_info with a per-item 10010 and get_role_in_group with NotMember', async () => {
    const info = await call({ GroupIdList: ['@TGS#2CLUZEAEJ', '@TGS#NOPE'] }, {}, 'group_open_http_svc/get_group_info');
    expect(info.ErrorCode).toBe(0);
    expect(info.GroupInfo).toEqual([
      expect.objectContaining({ GroupId: '@TGS#2CLUZEAEJ', ErrorCode: 0, Type: 'Public' }),
      expect.objectContaining({ GroupId: '@TGS#NOPE', ErrorCode: 10010 }),
    ]);
    const roles = await call({ GroupId: '@TGS#2CLUZEAEJ', User_Account: ['alice', 'zed'] }, {}, 'group_open_http_svc/get_role_in_group');
    expect(roles.UserIdList).toEqual([
      { Member_Account: 'alice', Role: 'Owner' },
      { Member_Account: 'zed', Role: 'NotMember' },
    ]);
  });
});
