import { onCleanup } from '../support/cleanup';
import { FakeIm, imError, OK_REPLY, type ReceivedRequest } from '../support/fake-im';
import { SET_UNREAD, startTestGateway, type TestGateway } from '../support/gateway';
import { until } from '../support/wait';

const group = '@TGS#2CLUZEAEJ';
const input = (memberAccount: string, unreadCount: number) => ({ input: { groupId: group, memberAccount, unreadCount } });

/**
 * A fake IM that answers after `delayMs` and records how many calls per member overlapped. A test may set
 * `holdFirstUntil`: the first call is then held until that condition holds (however slow the machine).
 */
function slowIm(delayMs: number) {
  const inFlight = new Map<string, number>();
  let maxOverlapPerMember = 0;
  let inFlightTotal = 0;
  let maxInFlightTotal = 0;
  const control: { holdFirstUntil?: () => boolean } = {};
  const fake = new FakeIm(async (request: ReceivedRequest, index) => {
    const member = request.body.Member_Account as string;
    inFlight.set(member, (inFlight.get(member) ?? 0) + 1);
    inFlightTotal += 1;
    maxOverlapPerMember = Math.max(maxOverlapPerMember, inFlight.get(member)!);
    maxInFlightTotal = Math.max(maxInFlightTotal, inFlightTotal);
    if (index === 0 && control.holdFirstUntil !== undefined) await until(control.holdFirstUntil, 'the held condition');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight.set(member, inFlight.get(member)! - 1);
    inFlightTotal -= 1;
    return OK_REPLY;
  });
  return {
    fake,
    control,
    get maxOverlapPerMember() {
      return maxOverlapPerMember;
    },
    get maxInFlightTotal() {
      return maxInFlightTotal;
    },
  };
}

describe('write coalescing over HTTP', () => {
  let im: ReturnType<typeof slowIm>;
  let gateway: TestGateway;
  beforeEach(async () => {
    im = slowIm(80);
    gateway = await startTestGateway({ IM_COALESCE_WINDOW_MS: '5' }, await im.fake.start());
  });
  afterEach(async () => {
    await gateway.stop();
    await im.fake.close();
  });

  it('answers N concurrent identical updates with one IM call, shared by all N callers', async () => {
    // The call is held until all 25 are inside the gateway: identical updates join the call in flight.
    im.control.holdFirstUntil = () => gateway.core.coalescer.pendingUpdates >= 25;
    const responses = await Promise.all(Array.from({ length: 25 }, () => gateway.graphql(SET_UNREAD, input('bob', 7))));
    expect(im.fake.requests).toHaveLength(1);
    for (const response of responses) {
      expect(response.body.data.setGroupMemberUnreadCount).toEqual({ groupId: group, memberAccount: 'bob', unreadCount: 7, coalesced: true });
    }
  });

  it('says coalesced: false for an update that had its call to itself', async () => {
    const response = await gateway.graphql(SET_UNREAD, input('bob', 7));
    expect(response.body.data.setGroupMemberUnreadCount.coalesced).toBe(false);
  });

  it('never overlaps calls for one member: a burst of different values costs at most 2 calls and ends with the last value', async () => {
    // Its own fake, which holds the first call until the whole burst is inside the gateway, however slow the
    // machine: the burst comes as one batch request, so no client connection limit spreads it out.
    const under: { gateway?: TestGateway } = {};
    const overlap = new Map<string, number>();
    let maxOverlap = 0;
    const held = new FakeIm(async (request: ReceivedRequest) => {
      const member = request.body.Member_Account as string;
      overlap.set(member, (overlap.get(member) ?? 0) + 1);
      maxOverlap = Math.max(maxOverlap, overlap.get(member)!);
      const deadline = Date.now() + 20_000;
      while ((under.gateway?.core.coalescer.pendingUpdates ?? 0) < 30 && held.requests.length === 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      overlap.set(member, overlap.get(member)! - 1);
      return OK_REPLY;
    });
    const started = await startTestGateway({ IM_COALESCE_WINDOW_MS: '5', IM_TIMEOUT_MS: '30000' }, await held.start());
    under.gateway = started;
    onCleanup(async () => {
      await started.stop();
      await held.close();
    });
    const first = started.graphql(SET_UNREAD, input('bob', 1));
    while (held.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 2)); // the first call is in flight
    const rest = started.graphql(
      'mutation M($inputs: [SetGroupMemberUnreadCountInput!]!) { setGroupMemberUnreadCounts(inputs: $inputs) { results { ok unreadCount } } }',
      { inputs: Array.from({ length: 29 }, (_, i) => ({ groupId: group, memberAccount: 'bob', unreadCount: i + 2 })) },
    );
    const [single, batch] = await Promise.all([first, rest]);
    expect(held.requests.map((request) => request.body.UnreadMsgNum)).toEqual([1, 30]);
    expect(maxOverlap).toBe(1);
    expect(single.body.data.setGroupMemberUnreadCount.unreadCount).toBe(1);
    expect(batch.body.data.setGroupMemberUnreadCounts.results.every((result: { ok: boolean; unreadCount: number }) => result.ok && result.unreadCount === 30)).toBe(true);
  });

  it('keeps the last-arrived value even when the burst starts in one window and goes on across the call', async () => {
    // The first call stays in flight until the whole burst is inside the gateway, however slow the machine.
    im.control.holdFirstUntil = () => gateway.core.coalescer.pendingUpdates >= 40;
    const all: Array<Promise<unknown>> = [];
    for (let value = 1; value <= 40; value++) {
      all.push(gateway.graphql(SET_UNREAD, input('bob', value)));
      if (value % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await Promise.all(all);
    const sent = im.fake.requests.map((request) => request.body.UnreadMsgNum);
    expect(sent[sent.length - 1]).toBe(40);
    expect(sent.length).toBeLessThanOrEqual(3);
    expect(im.maxOverlapPerMember).toBe(1);
  });

  it('sends different members in parallel', async () => {
    // The first member's call is answered only once all 12 calls have reached IM: serial sending never would.
    im.control.holdFirstUntil = () => im.fake.requests.length >= 12;
    const members = Array.from({ length: 12 }, (_, i) => `member${i}`);
    const responses = await Promise.all(members.map((member) => gateway.graphql(SET_UNREAD, input(member, 3))));
    expect(responses.every((response) => response.body.data.setGroupMemberUnreadCount.coalesced === false)).toBe(true);
    expect(im.fake.requests).toHaveLength(12);
    expect(im.maxInFlightTotal).toBeGreaterThanOrEqual(2);
  });
});

describe('a failing call', () => {
  it('gives its error to every caller merged into it', async () => {
    const fake = new FakeIm(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return imError(10010, 'group gone');
    });
    const gateway = await startTestGateway({}, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const responses = await Promise.all(Array.from({ length: 6 }, () => gateway.graphql(SET_UNREAD, input('bob', 2))));
    expect(fake.requests).toHaveLength(1);
    for (const response of responses) {
      expect(response.body.errors[0].extensions).toEqual({ code: 'GROUP_NOT_FOUND', retryable: false, imErrorCode: 10010, imErrorInfo: 'group gone' });
    }
  });
});
