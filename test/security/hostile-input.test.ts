import fc from 'fast-check';
import { getIntrospectionQuery } from 'graphql';
import { ImCommand } from '../../src/tencent/commands';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { gatewayOnFakeIm, SET_UNREAD, SET_UNREAD_BATCH, startTestGateway, type TestGateway } from '../support/gateway';

const MAX_INT = 2 ** 31 - 1;

/** GraphQL's ID input coercion: integers arrive as their decimal string. */
const asId = (value: unknown): unknown => (Number.isInteger(value) ? String(value) : value);

/** The mutation's rules, restated independently of the code under test. */
function isValidUpdate(groupId: unknown, memberAccount: unknown, unreadCount: unknown): boolean {
  return (
    typeof groupId === 'string' &&
    /^[\x20-\x7e]{1,48}$/.test(groupId) &&
    typeof memberAccount === 'string' &&
    !/\p{Cs}/u.test(memberAccount) &&
    Buffer.byteLength(memberAccount) >= 1 &&
    Buffer.byteLength(memberAccount) <= 32 &&
    !/\p{Cc}/u.test(memberAccount) &&
    Number.isInteger(unreadCount) &&
    (unreadCount as number) >= 0 &&
    (unreadCount as number) <= MAX_INT
  );
}

const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // any code point, lone surrogates included
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\n', '\u007f', '\u0085', '\u202e', '\ufeff', 'é', '中', 'a'), maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '#', '@'), minLength: 47, maxLength: 50 }), // around 48 bytes
  fc.string({ unit: fc.constantFrom('b', '中'), minLength: 10, maxLength: 34 }), // around 32 bytes
  fc.constant(''),
);
const groupIdArb = fc.oneof(oddText, fc.stringMatching(/^@TGS#[A-Z0-9]{1,43}$/), fc.constant(null), fc.integer());
const accountArb = fc.oneof(oddText, fc.stringMatching(/^[a-z0-9_-]{1,32}$/), fc.constant(null), fc.constant(['bob']));
const countArb = fc.oneof(
  fc.integer({ min: -MAX_INT - 1, max: MAX_INT }),
  fc.nat({ max: 1000 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(null, 2 ** 31, 2 ** 53, 1e300, -1, -0.5, 1.5, '7', true),
);

describe('hostile input over HTTP (property-based)', () => {
  let fake: FakeIm;
  let gateway: TestGateway;
  beforeAll(async () => {
    fake = new FakeIm(() => OK_REPLY);
    gateway = await startTestGateway({ IM_COALESCE_WINDOW_MS: '0', IM_RATE_LIMIT_PER_SECOND: '10000' }, await fake.start());
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });

  it('answers every generated update clearly: the call IM expects for valid ones, BAD_USER_INPUT naming the field and no call for the rest', async () => {
    await fc.assert(
      fc.asyncProperty(groupIdArb, accountArb, countArb, async (groupId, memberAccount, unreadCount) => {
        const before = fake.requests.length;
        const response = await gateway.graphql(SET_UNREAD, { input: { groupId, memberAccount, unreadCount } });
        expect([200, 400]).toContain(response.status);
        if (isValidUpdate(asId(groupId), asId(memberAccount), unreadCount)) {
          expect(response.body.errors).toBeUndefined();
          expect(fake.requests.length).toBe(before + 1);
          expect(fake.requests.at(-1)!.body).toEqual({ GroupId: asId(groupId), Member_Account: asId(memberAccount), UnreadMsgNum: (unreadCount as number) + 0 }); // JSON has no -0
        } else {
          const error = response.body.errors[0];
          expect(error.extensions.code).toBe('BAD_USER_INPUT');
          expect(error.message).toMatch(/groupId|memberAccount|unreadCount|input/);
          expect(error.extensions.stacktrace).toBeUndefined();
          expect(fake.requests.length).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses oversized batches whole, naming the field, with no IM call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 501, max: 700 }), async (size) => {
        const before = fake.requests.length;
        const inputs = Array.from({ length: size }, (_, i) => ({ groupId: '@TGS#2CLUZEAEJ', memberAccount: `m${i}`, unreadCount: 1 }));
        const response = await gateway.graphql(SET_UNREAD_BATCH, { inputs });
        expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs' });
        expect(fake.requests.length).toBe(before);
      }),
      { numRuns: 10 },
    );
  });

  it('answers deep and wide queries with data or a clear error, never a crash or an IM call', async () => {
    const deepIntrospection = (depth: number) => `{ __type(name: "Query") { ${'fields { type { '.repeat(depth)}name${' } }'.repeat(depth)} } }`;
    const wide = (width: number) => `{ ${Array.from({ length: width }, (_, i) => `a${i}: imGateway { region }`).join(' ')} }`;
    const manyMutations = (count: number) =>
      `mutation { ${Array.from({ length: count }, (_, i) => `m${i}: setGroupMemberUnreadCount(input: { groupId: "@TGS#X", memberAccount: "u${i}", unreadCount: 1 }) { unreadCount }`).join(' ')} }`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 1, max: 60 }).map(deepIntrospection),
          fc.integer({ min: 1, max: 1500 }).map(wide),
          fc.integer({ min: 11, max: 200 }).map(manyMutations),
          fc.string({ maxLength: 200 }),
        ),
        async (query) => {
          const before = fake.requests.length;
          const response = await gateway.graphql(query);
          expect([200, 400]).toContain(response.status);
          if (response.body.errors !== undefined) {
            expect(typeof response.body.errors[0].extensions.code).toBe('string');
            expect(response.body.errors[0].extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
          }
          expect(fake.requests.length).toBe(before);
        },
      ),
      { numRuns: 80 },
    );
    // Still serving.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const after = await gateway.graphql(SET_UNREAD, { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount: 4 } });
    expect(after.body.data.setGroupMemberUnreadCount.unreadCount).toBe(4);
  });
});

describe('operation limits', () => {
  const setup = gatewayOnFakeIm({ MAX_QUERY_DEPTH: '2' });

  const setMany = (count: number) =>
    `mutation { ${Array.from({ length: count }, (_, i) => `m${i}: setGroupMemberUnreadCount(input: { groupId: "@TGS#2CLUZEAEJ", memberAccount: "u${i}", unreadCount: 1 }) { unreadCount }`).join(' ')} }`;

  it('runs 10 root mutation fields (aliases) and refuses 11 whole, before any IM call', async () => {
    const ten = await setup.gateway.graphql(setMany(10));
    expect(ten.body.errors).toBeUndefined();
    expect(setup.fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(10);
    setup.fake.requests.splice(0);
    const eleven = await setup.gateway.graphql(setMany(11));
    expect(eleven.status).toBe(400);
    expect(eleven.body.errors[0].extensions).toEqual({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'rootMutationFields', max: 10, actual: 11, retryable: false });
    expect(eleven.body.errors[0].message).toContain('MAX_ROOT_MUTATION_FIELDS');
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('counts root fields hidden in fragments too', async () => {
    const fields = Array.from({ length: 11 }, (_, i) => `f${i}: setGroupMemberUnreadCount(input: { groupId: "@TGS#A", memberAccount: "u${i}", unreadCount: 1 }) { unreadCount }`);
    const query = `mutation { ...A ... on Mutation { ${fields.slice(6).join(' ')} } } fragment A on Mutation { ${fields.slice(0, 6).join(' ')} }`;
    const response = await setup.gateway.graphql(query);
    expect(response.body.errors[0].extensions).toMatchObject({ limit: 'rootMutationFields', actual: 11 });
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('refuses an operation deeper than MAX_QUERY_DEPTH before reading anything from IM', async () => {
    const response = await setup.gateway.graphql('{ groupMember(groupId: "@TGS#2CLUZEAEJ", memberAccount: "bob") { group { type } } }');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth', max: 2, actual: 3 });
    expect(setup.fake.requests).toHaveLength(0);
  });

  it('refuses an operation above MAX_QUERY_COMPLEXITY', async () => {
    const response = await setup.gateway.graphql(`{ ${Array.from({ length: 600 }, (_, i) => `s${i}: imGateway { region }`).join(' ')} }`);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'complexity', max: 1000, actual: 1200 });
  });

  it('lets the standard introspection query through (Studio, Sandbox, codegen)', async () => {
    const response = await setup.gateway.graphql(getIntrospectionQuery());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.__schema.mutationType.name).toBe('Mutation');
  });
});
