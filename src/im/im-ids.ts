/** IM's identifier rules, declared once: the GraphQL validators, the config and the JWT claim check use them. */

/** IM group IDs: printable ASCII, at most 48 bytes. */
export const GROUP_ID_RULE = /^[\x20-\x7e]{1,48}$/;
/** IM accounts: 1 to 32 bytes of UTF-8; control characters and unpaired surrogates never make a valid account. */
export const MAX_ACCOUNT_BYTES = 32;
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}]*$/u;

export function isImAccountText(value: string): boolean {
  const bytes = Buffer.byteLength(value);
  return bytes >= 1 && bytes <= MAX_ACCOUNT_BYTES && NO_CONTROL_CHARACTERS.test(value);
}
