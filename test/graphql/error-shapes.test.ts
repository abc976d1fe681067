import { FakeIm } from '../support/fake-im';
import { onCleanup } from '../support/cleanup';
import { SET_UNREAD, startTestGateway } from '../support/gateway';

const GROUP = '@TGS#2CLUZEAEJ';
const BATCH = `mutation SetMany($inputs: [SetGroupMemberUnreadCountInput!]!) {
  setGroupMemberUnreadCounts(inputs: $inputs) { results { ok error { code field groupType retryAfterMs retryable } } }
}`;

async function gatewayOn(fake: FakeIm, env: Record<string, string> = {}) {
  const gateway = await startTestGateway(env, await fake.start());
  onCleanup(async () => {
    await gateway.stop();
    await fake.close();
  });
  return gateway;
}

describe('one shape for bad input (docs/security.md: Input rules)', () => {
  it.each([
    ['a fraction', 1.5],
    ['a string', 'abc'],
    ['a number past Int', 2 ** 40],
    ['null', null],
    ['a negative number', -1],
  ])('names input.unreadCount for %s given in variables, with no IM call', async (_name, unreadCount) => {
    const fake = new FakeIm();
    const gateway = await gatewayOn(fake);
    const response = await gateway.graphql(SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'bob', unreadCount } });
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.unreadCount', retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('names the variable when it is missing, and the item when a batch variable is bad', async () => {
    const gateway = await gatewayOn(new FakeIm());
    expect((await gateway.graphql(SET_UNREAD, {})).body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
    const batch = await gateway.graphql(BATCH, { inputs: [{ groupId: GROUP, memberAccount: 'bob', unreadCount: 1 }, { groupId: GROUP, memberAccount: 'bob', unreadCount: 'x' }] });
    expect(batch.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[1].unreadCount' });
  });

  it('refuses a bad inline literal at validation (GRAPHQL_VALIDATION_FAILED), as documented', async () => {
    const gateway = await gatewayOn(new FakeIm());
    const response = await gateway.graphql(`mutation { setGroupMemberUnreadCount(input: {groupId: "${GROUP}", memberAccount: "bob", unreadCount: 1.5}) { unreadCount } }`);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('gives a batch item’s error the facts the single mutation puts in extensions: field, groupType, retryAfterMs', async () => {
    const fake = new FakeIm(undefined, { groupTypes: { '@TGS#MEET': 'ChatRoom' } });
    // One call a second and no queue: the second item's call is refused at once with retryAfterMs.
    const gateway = await gatewayOn(fake, { IM_RATE_LIMIT_PER_SECOND: '1', IM_MAX_QUEUE_WAIT_MS: '0', IM_COALESCE_WINDOW_MS: '0' });
    const response = await gateway.graphql(BATCH, {
      inputs: [
        { groupId: GROUP, memberAccount: '', unreadCount: 1 },
        { groupId: '@TGS#MEET', memberAccount: 'bob', unreadCount: 1 },
        { groupId: GROUP, memberAccount: 'u1', unreadCount: 1 },
        { groupId: GROUP, memberAccount: 'u2', unreadCount: 1 },
      ],
    });
    const [bad, meeting, ...paced] = response.body.data.setGroupMemberUnreadCounts.results;
    expect(bad.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[0].memberAccount', retryable: false });
    expect(meeting.error).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE', groupType: 'ChatRoom', retryable: false });
    const limited = paced.filter((result: { ok: boolean }) => !result.ok);
    expect(limited).toHaveLength(1);
    expect(limited[0].error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: expect.any(Number), field: null, groupType: null });
  });
});
