/** The library entry: start the gateway or its parts from code (tests, custom servers, jobs). */
// First: the schema's decorators need it the moment their modules load, and a library user should not have to know.
import 'reflect-metadata';
export { loadConfig, ConfigError, type Config } from './config/config';
export { createLogger } from './observability/logger';
export { startGateway, type RunningGateway } from './app';
export { GatewayCore } from './core';
export { GatewayError, GatewayErrorCode } from './errors';
export { IM_ERROR_TABLE, classifyImErrorCode } from './tencent/error-table';
export { signUserSig, verifyUserSig, UserSigError } from './tencent/usersig';
export { ImSimulator } from './simulator/simulator';
