/**
 * Every error the gateway raises is a {@link GatewayError}: a stable string code (like undici's `UND_ERR_*`),
 * whether retrying makes sense, the HTTP status when the error refuses a whole request, and safe details.
 * Each code's facts are written once, in {@link CODE_FACTS}; the factories below are the only constructors
 * used in the code base. The GraphQL boundary (graphql/errors.ts) turns them into `extensions` once.
 */

/** Stable `extensions.code` values. Each value equals its key. */
export const GatewayErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INVALID_GROUP_ID: 'INVALID_GROUP_ID',
  GROUP_NOT_FOUND: 'GROUP_NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  AUTH_UNAVAILABLE: 'AUTH_UNAVAILABLE',
  UNSUPPORTED_GROUP_TYPE: 'UNSUPPORTED_GROUP_TYPE',
  OPERATION_LIMIT_EXCEEDED: 'OPERATION_LIMIT_EXCEEDED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  IM_UNAVAILABLE: 'IM_UNAVAILABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  IM_CONFIGURATION_ERROR: 'IM_CONFIGURATION_ERROR',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  IM_ERROR: 'IM_ERROR',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** What every error of a code shares. `httpStatus` only where the error refuses the whole request. */
const CODE_FACTS: Record<GatewayErrorCode, { retryable: boolean; httpStatus?: number }> = {
  BAD_USER_INPUT: { retryable: false },
  BAD_REQUEST: { retryable: false, httpStatus: 400 },
  PAYLOAD_TOO_LARGE: { retryable: false, httpStatus: 413 },
  INVALID_GROUP_ID: { retryable: false },
  GROUP_NOT_FOUND: { retryable: false },
  FORBIDDEN: { retryable: false },
  UNAUTHENTICATED: { retryable: false, httpStatus: 401 },
  AUTH_UNAVAILABLE: { retryable: true, httpStatus: 503 },
  UNSUPPORTED_GROUP_TYPE: { retryable: false },
  OPERATION_LIMIT_EXCEEDED: { retryable: false, httpStatus: 400 },
  SHUTTING_DOWN: { retryable: true, httpStatus: 503 },
  IM_UNAVAILABLE: { retryable: true },
  RATE_LIMITED: { retryable: true },
  IM_CONFIGURATION_ERROR: { retryable: false },
  INTERNAL_SERVER_ERROR: { retryable: false },
  IM_ERROR: { retryable: false },
};

export interface GatewayErrorOptions {
  /** Set only when IM itself answered with an ErrorCode. */
  imErrorCode?: number;
  imErrorInfo?: string;
  /** When retrying makes sense, how long to wait first. */
  retryAfterMs?: number;
  /** Extra fields for `extensions` (e.g. `field`, `groupType`, `reason`, `limit`). */
  details?: Record<string, unknown>;
  /** Response headers for a refused request (e.g. `www-authenticate`). */
  headers?: Record<string, string>;
  /** Full detail for operators' logs; never sent to clients. */
  cause?: unknown;
  /** The gateway refused before calling IM (its queue is full, its shared state is down): retrying at once only adds load. */
  refusedBeforeCall?: boolean;
}

/** The one error carrier. Its message is short and safe to show to clients; `cause` is for the log only. */
export class GatewayError extends Error {
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly imErrorCode?: number;
  readonly imErrorInfo?: string;
  readonly retryAfterMs?: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly refusedBeforeCall: boolean;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.retryable = CODE_FACTS[code].retryable;
    this.httpStatus = CODE_FACTS[code].httpStatus;
    this.imErrorCode = options.imErrorCode;
    this.imErrorInfo = options.imErrorInfo;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
    this.headers = options.headers;
    this.refusedBeforeCall = options.refusedBeforeCall ?? false;
  }
}

/** An error as clients see it, in `extensions` or in a batch item's `error`. */
export interface ClientError {
  code: string;
  message: string;
  retryable: boolean;
  imErrorCode?: number;
  imErrorInfo?: string;
  retryAfterMs?: number;
  [detail: string]: unknown;
}

/** What clients see for anything the gateway did not expect; the detail goes to the log only. */
export const INTERNAL_ERROR: ClientError = {
  code: GatewayErrorCode.INTERNAL_SERVER_ERROR,
  message: 'Internal server error',
  retryable: false,
};

/** The client-facing facts of a gateway error: details first, so no detail can overwrite a fact. */
export function clientErrorOf(error: GatewayError): ClientError {
  const facts: ClientError = { ...error.details, code: error.code, message: error.message, retryable: error.retryable };
  if (error.imErrorCode !== undefined) facts.imErrorCode = error.imErrorCode;
  if (error.imErrorInfo !== undefined) facts.imErrorInfo = error.imErrorInfo;
  if (error.retryAfterMs !== undefined) facts.retryAfterMs = error.retryAfterMs;
  return facts;
}

// ——— Factories: every error is made here, so its code, retryability and status are never set by hand. ———

export const badUserInput = (field: string, message: string): GatewayError =>
  new GatewayError(GatewayErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { details: { field } });

export const badRequest = (message: string): GatewayError => new GatewayError(GatewayErrorCode.BAD_REQUEST, message);

export const payloadTooLarge = (limitBytes: number): GatewayError =>
  new GatewayError(GatewayErrorCode.PAYLOAD_TOO_LARGE, `request body exceeds ${limitBytes} bytes`);

export const forbidden = (message: string): GatewayError => new GatewayError(GatewayErrorCode.FORBIDDEN, message);

export const unauthenticated = (message: string, reason: string, challenge: string): GatewayError =>
  new GatewayError(GatewayErrorCode.UNAUTHENTICATED, message, { details: { reason }, headers: { 'www-authenticate': challenge } });

/** The identity provider could not be reached (JWKS fetch failed): not the caller's fault, so not a 401. */
export const authUnavailable = (): GatewayError =>
  new GatewayError(GatewayErrorCode.AUTH_UNAVAILABLE, 'The identity provider is unavailable; try again');

/** `action` 'set': IM would accept a set and ignore it; 'read': IM keeps no member list to read (AVChatRoom). */
export const unsupportedGroupType = (groupType: string, action: 'set' | 'read' = 'set'): GatewayError =>
  new GatewayError(
    GatewayErrorCode.UNSUPPORTED_GROUP_TYPE,
    action === 'set'
      ? `Unread counts cannot be set in ${groupType} groups: IM would accept the call and change nothing`
      : `Members cannot be read in ${groupType} groups: IM keeps no member list for them (no roles, no read positions, no unread counts)`,
    { details: { groupType } },
  );

export const operationLimitExceeded = (limit: string, max: number, actual: number, setting: string): GatewayError =>
  new GatewayError(GatewayErrorCode.OPERATION_LIMIT_EXCEEDED, `The operation exceeds the ${limit} limit: ${actual} > ${max} (${setting})`, {
    details: { limit, max, actual },
  });

export const shuttingDown = (): GatewayError =>
  new GatewayError(GatewayErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry (another instance will answer)');

/** A call refused at the wire because the shutdown deadline came: never written, so never retried here. */
export const sendingStopped = (): GatewayError =>
  new GatewayError(GatewayErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry (another instance will answer)', { refusedBeforeCall: true });

/** Network errors, timeouts, non-200 replies and unreadable bodies: always retryable, no IM code. */
export const imUnavailable = (reason: string, cause?: unknown): GatewayError =>
  new GatewayError(GatewayErrorCode.IM_UNAVAILABLE, `IM is unavailable: ${reason}`, { cause });

/**
 * The shared state (Redis) that keeps replicas within Tencent's budget is unreachable. Retryable for clients,
 * but never sent around it: falling back to private limits would break the app's budget.
 */
const SHARED_STATE_UNAVAILABLE = 'The shared rate-limit state (Redis) is unavailable; retry shortly';

export const sharedStateUnavailable = (cause?: unknown): GatewayError =>
  new GatewayError(GatewayErrorCode.IM_UNAVAILABLE, SHARED_STATE_UNAVAILABLE, {
    retryAfterMs: 1000,
    refusedBeforeCall: true,
    cause,
  });

/** A refusal because Redis did not answer (nothing was sent to IM), as {@link sharedStateUnavailable} makes it. */
export function isSharedStateUnavailable(error: unknown): boolean {
  return error instanceof GatewayError && error.code === GatewayErrorCode.IM_UNAVAILABLE && error.refusedBeforeCall && error.message === SHARED_STATE_UNAVAILABLE;
}

/** RATE_LIMITED from the gateway's own queue: the wait for a slot would be too long. No IM call was made. */
export const queueFull = (retryAfterMs: number): GatewayError =>
  new GatewayError(GatewayErrorCode.RATE_LIMITED, 'Too many updates queued for IM; retry later', {
    retryAfterMs: Math.ceil(retryAfterMs),
    refusedBeforeCall: true,
  });

/** An error IM reported in an HTTP 200 reply, classified by the ErrorCode table (tencent/error-table.ts). */
export const imReplyError = (code: GatewayErrorCode, message: string, imErrorCode: number, imErrorInfo: string | undefined, retryAfterMs?: number): GatewayError =>
  new GatewayError(code, message, { imErrorCode, imErrorInfo, retryAfterMs });

/** IM locked the app's signature checks (70050): no call until the pause ends. Refused before any call. */
export const signatureLockedOut = (imErrorCode: number, remainingMs: number): GatewayError =>
  new GatewayError(GatewayErrorCode.IM_CONFIGURATION_ERROR, 'IM paused calls after too many failed UserSig checks; check IM_SECRET_KEY and IM_SDKAPPID', {
    imErrorCode,
    retryAfterMs: Math.ceil(remainingMs),
    refusedBeforeCall: true,
  });

/** RATE_LIMITED for one caller account past its share (ACCOUNT_RATE_LIMIT_PER_SECOND). No IM call was made. */
export const accountRateLimited = (retryAfterMs: number): GatewayError =>
  new GatewayError(GatewayErrorCode.RATE_LIMITED, 'This account is sending updates faster than its share; retry later', {
    retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
    details: { limit: 'account' },
    refusedBeforeCall: true,
  });
