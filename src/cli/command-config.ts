import { ConfigError, loadConfig, type Config } from '../config/config';

/** The configuration a command runs with, or the message of a usage error (exit 2) naming the bad variable. */
export function commandConfig(env: Record<string, string | undefined>): Config | { problem: string } {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return { problem: `configuration: ${error.message}` };
    throw error;
  }
}
