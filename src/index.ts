/** The library entry: start the gateway or its parts from code (tests, custom servers, jobs). */
// First: the schema's decorators need it the moment their modules load, and a library user should not have to know.
import 'reflect-metadata';
export { loadConfig, ConfigError, type Config } from './config';
export { createLogger } from './logger';
export { startGateway, type RunningGateway } from './server';
export { ImUpstream } from './im/upstream';
export { ImError } from './im/im-error';
export { GatewayErrorCode, IM_ERROR_TABLE, classifyImErrorCode } from './im/error-codes';
export { signUserSig, verifyUserSig, UserSigError } from './im/usersig';
export { ImSimulator } from './simulator/simulator';
