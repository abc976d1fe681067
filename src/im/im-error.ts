import { classifyImErrorCode, GatewayErrorCode } from './error-codes';

export interface ImErrorOptions {
  code: GatewayErrorCode;
  message: string;
  retryable: boolean;
  /** Set only when IM itself answered with an ErrorCode. */
  imErrorCode?: number;
  imErrorInfo?: string;
  /** When retrying makes sense, how long to wait first. */
  retryAfterMs?: number;
  /** Extra fields for `extensions` (e.g. `groupType`). */
  details?: Record<string, unknown>;
  /** Full detail for operators' logs; never sent to clients. */
  cause?: unknown;
  /** The gateway refused before calling IM (its queue is full, its shared state is down): retrying at once only adds load. */
  refusedBeforeCall?: boolean;
}

/**
 * The one error type of the upstream layer. It carries a stable gateway code, the IM code and info when
 * IM answered, and whether a retry is sensible. Its message is short and safe to show to clients.
 */
export class ImError extends Error {
  readonly code: GatewayErrorCode;
  readonly retryable: boolean;
  readonly imErrorCode?: number;
  readonly imErrorInfo?: string;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;
  readonly refusedBeforeCall: boolean;

  constructor(options: ImErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.imErrorCode = options.imErrorCode;
    this.imErrorInfo = options.imErrorInfo;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.refusedBeforeCall = options.refusedBeforeCall ?? false;
  }

  /** An error IM reported in an HTTP 200 reply, classified by THE table. */
  static fromImReply(imErrorCode: number, imErrorInfo: string | undefined): ImError {
    const errorClass = classifyImErrorCode(imErrorCode);
    return new ImError({ ...errorClass, imErrorCode, imErrorInfo });
  }

  /**
   * The shared state (Redis) that keeps replicas within Tencent's budget is unreachable. Retryable for
   * clients, but never sent around it: falling back to private limits would break the app's budget.
   */
  static sharedStateUnavailable(cause?: unknown): ImError {
    return new ImError({
      code: GatewayErrorCode.IM_UNAVAILABLE,
      retryable: true,
      message: 'The shared rate-limit state (Redis) is unavailable; retry shortly',
      retryAfterMs: 1000,
      refusedBeforeCall: true,
      cause,
    });
  }

  /** Network errors, timeouts, non-200 replies and unreadable bodies: always retryable, no IM code. */
  static unavailable(reason: string, cause?: unknown): ImError {
    return new ImError({ code: GatewayErrorCode.IM_UNAVAILABLE, retryable: true, message: `IM is unavailable: ${reason}`, cause });
  }
}
