import { validateSync } from 'class-validator';
import { GraphQLError } from 'graphql';
import { GatewayErrorCode } from '../im/error-codes';

/**
 * Runs the class-validator rules declared on an input class and turns the first failure into a
 * BAD_USER_INPUT error naming the field. Called by resolvers, so the batch mutation can refuse one
 * item without failing the others; the rules themselves live only on the input class.
 */
export function assertValidInput(input: object, path: string): void {
  const [failure] = validateSync(input, { stopAtFirstError: true, forbidUnknownValues: false });
  if (failure === undefined) return;
  const field = `${path}.${failure.property}`;
  const reason = Object.values(failure.constraints ?? {})[0] ?? `${failure.property} is invalid`;
  throw new GraphQLError(`${field}: ${reason}`, {
    extensions: { code: GatewayErrorCode.BAD_USER_INPUT, field, retryable: false },
  });
}
