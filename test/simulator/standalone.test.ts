import { postGraphQL, startTestGateway } from '../support/gateway';
import { onCleanup } from '../support/cleanup';
import { FakeIm } from '../support/fake-im';
import { runTs } from '../support/process';
import { until } from '../support/wait';


/** The standalone simulator's own printout, followed as a new user would: variables, UserSigs and the curl. */
describe('npm run simulator, then a gateway pointed at it', () => {
  it('prints variables, UserSigs and a curl line that work as printed, and the gateway knows it talks to a simulator', async () => {
    const simulator = runTs('src/simulator/main.ts', [], { SIMULATOR_PORT: '0' });
    onCleanup(() => simulator.child.kill('SIGKILL'));
    await until(() => simulator.stdout().includes('usersig <account>'), 'the simulator to print its instructions');
    const printed = simulator.stdout();
    const variables = Object.fromEntries([...printed.matchAll(/(IM_API_BASE_URL|IM_SDKAPPID|IM_SECRET_KEY)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const authorization = /-H 'Authorization: (UserSig \S+)'/.exec(printed)?.[1];
    const body = /-d '(\{.*\})'/.exec(printed)?.[1];
    expect(Object.keys(variables).sort()).toEqual(['IM_API_BASE_URL', 'IM_SDKAPPID', 'IM_SECRET_KEY']);
    expect(authorization).toBeDefined();

    const gateway = await startTestGateway(variables); // AUTH_MODE defaults to usersig in front of a non-built-in IM
    onCleanup(() => gateway.stop());
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: authorization! }, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { setGroupMemberUnreadCount: { unreadCount: 5, coalesced: false } } });
    const status = await postGraphQL(`${gateway.url}/graphql`, '{ imGateway { simulator region } }');
    expect(status.body.data.imGateway).toEqual({ simulator: true, region: null });
    // The start-up line says the same, and which caller authentication is on.
    const ready = gateway.logs.lines.map((text) => JSON.parse(text) as Record<string, unknown>).find((line) => line.msg === 'gateway ready');
    expect(ready).toMatchObject({ simulator: true, auth: 'usersig' });

    // `usersig <account>` prints the UserSig alone, so $(…) works.
    const signed = runTs('src/cli.ts', ['usersig', 'bob'], variables);
    expect(await signed.exited).toBe(0);
    const lines = signed.stdout().trim().split('\n');
    expect(lines).toHaveLength(1);
    const own = await postGraphQL(
      `${gateway.url}/graphql`,
      'mutation { setGroupMemberUnreadCount(input: {groupId: "@TGS#2CLUZEAEJ", memberAccount: "bob", unreadCount: 2}) { unreadCount } }',
      undefined,
      { authorization: `UserSig ${lines[0]}` },
    );
    expect(own.body).toEqual({ data: { setGroupMemberUnreadCount: { unreadCount: 2 } } });
  });

  it('usersig refuses to sign without the app credentials (exit 2), and a gateway in front of another IM says simulator: false', async () => {
    const unsigned = runTs('src/cli.ts', ['usersig', 'bob'], {});
    expect(await unsigned.exited).toBe(2);
    expect(unsigned.stdout()).toBe('');
    expect(unsigned.stderr()).toContain('IM_SDKAPPID and IM_SECRET_KEY are required');

    const fake = new FakeIm();
    const gateway = await startTestGateway({}, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    expect((await gateway.graphql('{ imGateway { simulator } }')).body.data.imGateway.simulator).toBe(false);
  });
});
