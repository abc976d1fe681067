/** The library entry: start the gateway or its parts from code (tests, custom servers, jobs). */
export { loadConfig, ConfigError, type Config } from './config';
export { createLogger } from './logger';
export { startGateway, type RunningGateway } from './server';
export { ImUpstream } from './im/upstream';
export { ImError } from './im/im-error';
export { GatewayErrorCode, IM_ERROR_TABLE, classifyImErrorCode } from './im/error-codes';
export { signUserSig, verifyUserSig, UserSigError } from './im/usersig';
export { ImSimulator } from './simulator/simulator';
