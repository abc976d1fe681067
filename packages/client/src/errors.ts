/** Every `extensions.code` the gateway answers with (its README: "Error codes"), for `switch` statements. */
export const GATEWAY_ERROR_CODES = [
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'INVALID_GROUP_ID',
  'GROUP_NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'AUTH_UNAVAILABLE',
  'UNSUPPORTED_GROUP_TYPE',
  'OPERATION_LIMIT_EXCEEDED',
  'SHUTTING_DOWN',
  'IM_UNAVAILABLE',
  'RATE_LIMITED',
  'IM_CONFIGURATION_ERROR',
  'INTERNAL_SERVER_ERROR',
  'IM_ERROR',
] as const;
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** What the gateway puts in a GraphQL error's `extensions`. */
export interface GatewayErrorExtensions {
  /** A {@link GatewayErrorCode}, or one of Apollo Server's own (`GRAPHQL_VALIDATION_FAILED`, `PERSISTED_QUERY_NOT_FOUND`, …). */
  code: string;
  retryable?: boolean;
  imErrorCode?: number;
  imErrorInfo?: string;
  retryAfterMs?: number;
  field?: string;
  groupType?: string;
  reason?: string;
}

interface FormattedError {
  message?: string;
  extensions?: Record<string, unknown>;
}

/**
 * The GraphQL errors inside whatever a client hands you: Apollo Client 4's `CombinedGraphQLErrors`
 * (`.errors`), Apollo Client 3's `ApolloError` (`.graphQLErrors`), a network error carrying the response
 * body (`.result.errors`), a GraphQL response (`{ errors }`), an array of errors, or one error.
 */
export function graphQLErrorsOf(error: unknown): FormattedError[] {
  if (Array.isArray(error)) return error as FormattedError[];
  if (error === null || typeof error !== 'object') return [];
  const candidate = error as { errors?: unknown; graphQLErrors?: unknown; result?: { errors?: unknown }; extensions?: unknown };
  for (const list of [candidate.errors, candidate.graphQLErrors, candidate.result?.errors]) {
    if (Array.isArray(list) && list.length > 0) return list as FormattedError[];
  }
  return candidate.extensions !== undefined ? [candidate as FormattedError] : [];
}

/** The first error's `extensions` as the gateway sets them; undefined when there is no GraphQL error. */
export function gatewayErrorOf(error: unknown): GatewayErrorExtensions | undefined {
  const [first] = graphQLErrorsOf(error);
  const extensions = first?.extensions;
  return typeof extensions?.code === 'string' ? (extensions as unknown as GatewayErrorExtensions) : undefined;
}

/**
 * The gateway's `extensions.code` of an error from any client, e.g.
 * `if (gatewayErrorCode(error) === 'RATE_LIMITED') retryLater(gatewayErrorOf(error)?.retryAfterMs)`.
 */
export function gatewayErrorCode(error: unknown): GatewayErrorCode | undefined {
  const code = gatewayErrorOf(error)?.code;
  return GATEWAY_ERROR_CODES.includes(code as GatewayErrorCode) ? (code as GatewayErrorCode) : undefined;
}
