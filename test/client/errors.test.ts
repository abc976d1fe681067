import { GATEWAY_ERROR_CODES, gatewayErrorCode, gatewayErrorOf } from '../../packages/client/src/errors';
import { GatewayErrorCode } from '../../src/errors';
import { onCleanup } from '../support/cleanup';
import { postGraphQL, SET_UNREAD, startTestGateway } from '../support/gateway';

describe('im-graphql-gateway-client error helpers', () => {
  it('lists exactly the codes the gateway has', () => {
    expect([...GATEWAY_ERROR_CODES].sort()).toEqual(Object.values(GatewayErrorCode).sort());
  });

  it('reads extensions.code from every shape a client hands over', async () => {
    const gateway = await startTestGateway();
    onCleanup(() => gateway.stop());
    // A real answer from the gateway: the error shapes below wrap exactly this.
    const { body } = await postGraphQL(`${gateway.url}/graphql`, SET_UNREAD, { input: { groupId: '@TGS#NOSUCHGROUP', memberAccount: 'bob', unreadCount: 1 } });
    const errors = body.errors;
    expect(errors[0].extensions.code).toBe('GROUP_NOT_FOUND');

    const apolloClient4 = Object.assign(new Error('GraphQL error'), { name: 'CombinedGraphQLErrors', errors, data: body.data });
    const apolloClient3 = Object.assign(new Error('GraphQL error'), { graphQLErrors: errors, networkError: null });
    const serverError = Object.assign(new Error('Response not successful'), { statusCode: 401, result: { errors: [{ message: 'x', extensions: { code: 'UNAUTHENTICATED', reason: 'MISSING' } }] } });
    expect([apolloClient4, apolloClient3, body, errors, errors[0]].map(gatewayErrorCode)).toEqual(Array(5).fill('GROUP_NOT_FOUND'));
    expect(gatewayErrorCode(serverError)).toBe('UNAUTHENTICATED');
    expect(gatewayErrorOf(apolloClient4)).toMatchObject({ code: 'GROUP_NOT_FOUND', retryable: false, imErrorCode: 10010 });
    expect([new Error('network down'), undefined, null, 'text', { errors: [] }].map(gatewayErrorCode)).toEqual(Array(5).fill(undefined));
    expect(gatewayErrorCode([{ message: 'x', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])).toBeUndefined(); // Apollo's own codes are not the gateway's
  });
});
