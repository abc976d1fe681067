/**
 * IM's identifier rules and the update's input rules, declared once as plain predicates: GraphQL, the
 * import command, the config and the credential checks all use these.
 */

/** IM group IDs: printable ASCII, at most 48 bytes. */
const MAX_GROUP_ID_BYTES = 48;
const GROUP_ID_RULE = /^[\x20-\x7e]{1,48}$/;
/** IM accounts: 1 to 32 bytes of UTF-8. */
const MAX_ACCOUNT_BYTES = 32;
/** Control characters and unpaired surrogates never make a valid account. */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}]*$/u;
/** GraphQL's Int is 32-bit; the import command, which has no GraphQL coercion, needs the bound stated. */
const MAX_UNREAD_COUNT = 2 ** 31 - 1;

export function isImGroupId(value: unknown): value is string {
  return typeof value === 'string' && GROUP_ID_RULE.test(value);
}

export function isImAccountText(value: unknown): value is string {
  // The character rule first: Buffer.byteLength of a lone surrogate would count a replacement character.
  if (typeof value !== 'string' || !NO_CONTROL_CHARACTERS.test(value)) return false;
  const bytes = Buffer.byteLength(value);
  return bytes >= 1 && bytes <= MAX_ACCOUNT_BYTES;
}

/** What is wrong with one field, for a BAD_USER_INPUT error that names it; undefined when valid. */
export type FieldProblem = { field: string; message: string } | undefined;

export function groupIdProblem(value: unknown, field: string): FieldProblem {
  if (isImGroupId(value)) return undefined;
  return { field, message: `${leaf(field)} must be 1 to ${MAX_GROUP_ID_BYTES} bytes of printable ASCII` };
}

export function accountProblem(value: unknown, field: string): FieldProblem {
  if (typeof value !== 'string') return { field, message: `${leaf(field)} must be a string` };
  if (!NO_CONTROL_CHARACTERS.test(value)) return { field, message: `${leaf(field)} must not contain control characters or unpaired surrogates` };
  const bytes = Buffer.byteLength(value);
  if (bytes < 1 || bytes > MAX_ACCOUNT_BYTES) return { field, message: `${leaf(field)} must be 1 to ${MAX_ACCOUNT_BYTES} bytes` };
  return undefined;
}

/** The integer rule comes first: "abc", "" and 1.5 are not integers, whatever else they are not. */
function unreadCountProblem(value: unknown, field: string): FieldProblem {
  const name = leaf(field);
  if (typeof value !== 'number' || !Number.isInteger(value)) return { field, message: `${name} must be an integer` };
  if (value < 0) return { field, message: `${name} must be 0 or more` };
  if (value > MAX_UNREAD_COUNT) return { field, message: `${name} must be at most ${MAX_UNREAD_COUNT}` };
  return undefined;
}

/** The fields of one update as they arrived (GraphQL input, a CSV or NDJSON row), not yet checked. */
export interface RawUpdate {
  groupId?: unknown;
  memberAccount?: unknown;
  unreadCount?: unknown;
}

/** The first problem of an update, checked in field order; `path` prefixes the field (`input`, `inputs[3]`, `row`). */
export function updateProblem(raw: RawUpdate, path: string): FieldProblem {
  return (
    groupIdProblem(raw.groupId, `${path}.groupId`) ??
    accountProblem(raw.memberAccount, `${path}.memberAccount`) ??
    unreadCountProblem(raw.unreadCount, `${path}.unreadCount`)
  );
}

function leaf(field: string): string {
  return field.slice(field.lastIndexOf('.') + 1);
}
