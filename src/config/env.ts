import { isImAccountText } from '../domain/ids';

/** The environment as the process has it: names to optional strings. */
export type Env = Record<string, string | undefined>;

/** A bad or missing environment variable; the message names it and never echoes a secret. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The variable's value, trimmed; undefined when unset or blank. */
export function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A whole number within [min, max]; `fallback` when unset (required when there is none). */
export function integer(env: Env, name: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = nonEmpty(env, name);
  if (text === undefined) {
    if (fallback === undefined) throw new ConfigError(name, 'is required');
    return fallback;
  }
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
  return value;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const text = nonEmpty(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (text !== 'true' && text !== 'false') throw new ConfigError(name, 'must be true or false');
  return text === 'true';
}

/** One of a fixed set of words, case-insensitive. */
export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const text = nonEmpty(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (!allowed.includes(text as T)) throw new ConfigError(name, `must be one of: ${allowed.join(', ')}`);
  return text as T;
}

/** An IM account, by IM's rule (domain/ids.ts). */
export function account(env: Env, name: string, fallback: string): string {
  const value = nonEmpty(env, name) ?? fallback;
  if (!isImAccountText(value)) throw new ConfigError(name, 'must be an IM account: 1 to 32 bytes, no control characters');
  return value;
}
