/**
 * `im-graphql-gateway/client`: typed GraphQL documents for frontends. Pass them to any client that
 * understands TypedDocumentNode (Apollo Client, urql, graphql-request) and results and variables are typed.
 */
export * from './generated';
