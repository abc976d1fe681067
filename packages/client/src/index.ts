/**
 * `im-graphql-gateway-client`: typed GraphQL documents for frontends of im-graphql-gateway, and its error
 * codes. Pass the documents to any client that understands TypedDocumentNode (Apollo Client, urql,
 * graphql-request) and results and variables are typed. No server code: `graphql` is a peer dependency.
 */
export * from './generated';
export * from './errors';
