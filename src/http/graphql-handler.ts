import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_OPERATION_NAME_LENGTH } from '../config/defaults';
import { badRequest } from '../errors';
import type { GatewayContext } from '../graphql/context';
import { inSpan } from '../observability/tracing';
import { readBody } from './read-body';
import { sendError } from './respond';

/** Builds a request's GraphQL context from its id and `Authorization` header. */
export type ContextFor = (requestId: string, authorization: string | undefined) => GatewayContext;

/**
 * The Node ↔ Apollo adapter (like graphql-http's `use/http`): a Node request becomes Apollo's plain
 * HTTPGraphQLRequest, and Apollo's answer is written back. Bodies are read up to `maxBodyBytes`.
 */
export function graphqlHandler(apollo: ApolloServer<GatewayContext>, maxBodyBytes: number, contextFor: ContextFor) {
  return async (request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> => {
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (request.method === 'POST') {
      const text = await readBody(request, maxBodyBytes);
      body = text;
      if ((headers.get('content-type') ?? '').includes('json') && text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          sendError(response, badRequest('The request body is not valid JSON'));
          return;
        }
        const operationName = (body as { operationName?: unknown } | null)?.operationName;
        if (typeof operationName === 'string' && operationName.length > MAX_OPERATION_NAME_LENGTH) {
          // Apollo would echo an unknown name back in its error: a megabyte in, a megabyte out.
          sendError(response, badRequest(`operationName is longer than ${MAX_OPERATION_NAME_LENGTH} characters`));
          return;
        }
      }
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: request.method ?? 'GET', headers, search: queryStart < 0 ? '' : target.slice(queryStart), body };
    // With tracing on, the operation is a span of its own (named by the metrics plugin); the IM calls it makes are its children.
    const result = await inSpan('graphql', () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => contextFor(requestId, headers.get('authorization')),
      }),
    );
    response.statusCode = result.status ?? 200;
    for (const [name, value] of result.headers) response.setHeader(name, value);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };
}
