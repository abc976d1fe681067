import { IsByteLength, Matches } from 'class-validator';
import { GROUP_ID_RULE, MAX_ACCOUNT_BYTES, NO_CONTROL_CHARACTERS } from '../im/im-ids';

/** class-validator rule for an IM group ID; the message names the decorated field. */
export function IsImGroupId(): PropertyDecorator {
  return Matches(GROUP_ID_RULE, { message: '$property must be 1 to 48 bytes of printable ASCII' });
}

/** class-validator rules for an IM account (`Member_Account`, `identifier`). */
export function IsImAccount(): PropertyDecorator {
  const length = IsByteLength(1, MAX_ACCOUNT_BYTES, { message: `$property must be 1 to ${MAX_ACCOUNT_BYTES} bytes` });
  const printable = Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters or unpaired surrogates' });
  return (target, property) => {
    length(target, property);
    printable(target, property);
  };
}
