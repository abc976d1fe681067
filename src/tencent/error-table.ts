import { GatewayErrorCode, imReplyError, type GatewayError } from '../errors';

/**
 * THE table: every IM ErrorCode the gateway knows → the stable code frontends branch on and a short, safe
 * message. Whether a code is retryable follows from the gateway code (errors.ts). Nothing else decides these.
 */
export interface ImErrorClass {
  code: GatewayErrorCode;
  /** What a client may read. Tencent's own ErrorInfo travels separately, in `imErrorInfo`. */
  message: string;
}

const C = GatewayErrorCode;

const groups: Array<[number[], ImErrorClass]> = [
  [[10004], { code: C.BAD_USER_INPUT, message: 'IM rejected a parameter of the request' }],
  [[10015], { code: C.INVALID_GROUP_ID, message: 'The group ID is not valid' }],
  [[10010], { code: C.GROUP_NOT_FOUND, message: 'The group does not exist or was disbanded' }],
  [[10007], { code: C.FORBIDDEN, message: 'IM refused the operation (for example, the account is not a member of the group)' }],
  [[10002, 60008, 70169, 70202, 70500], { code: C.IM_UNAVAILABLE, message: 'IM is temporarily unavailable' }],
  [[60007, 60011, 60018, 60019, 10006], { code: C.RATE_LIMITED, message: 'IM call frequency limit reached' }],
  [
    [60004, 60005, 60006, 60010, 60016, 60017, 60020, 60021, 70001, 70003, 70005, 70009, 70013, 70014, 70016, 70020, 70050, 70052, 70403],
    { code: C.IM_CONFIGURATION_ERROR, message: "The gateway's IM credentials, admin account, app or region are misconfigured" },
  ],
  [[10003, 60002, 60003], { code: C.INTERNAL_SERVER_ERROR, message: 'The gateway sent IM a malformed request' }],
];

/** IM ErrorCode → class. Built once from the groups above so each code is listed exactly once. */
export const IM_ERROR_TABLE: ReadonlyMap<number, ImErrorClass> = new Map(
  groups.flatMap(([codes, errorClass]) => codes.map((imCode) => [imCode, errorClass] as const)),
);

const UNKNOWN_IM_ERROR: ImErrorClass = { code: C.IM_ERROR, message: 'IM answered with an error' };

/** The class of an IM ErrorCode; codes not in the table are `IM_ERROR`, not retryable. */
export function classifyImErrorCode(imErrorCode: number): ImErrorClass {
  return IM_ERROR_TABLE.get(imErrorCode) ?? UNKNOWN_IM_ERROR;
}

/** The gateway error for an ErrorCode IM answered with. */
export function fromImReply(imErrorCode: number, imErrorInfo: string | undefined): GatewayError {
  const { code, message } = classifyImErrorCode(imErrorCode);
  return imReplyError(code, message, imErrorCode, imErrorInfo);
}

/** UserSig expired (70001) or invalidated (70052): re-signing and retrying once can succeed. */
export const RESIGN_IM_ERROR_CODES: ReadonlySet<number> = new Set([70001, 70052]);

/** Too many failed UserSig checks: IM wants no calls for {@link SIGNATURE_LOCKOUT_MS}. */
export const SIGNATURE_LOCKOUT_IM_ERROR_CODE = 70050;
export const SIGNATURE_LOCKOUT_MS = 60_000;
