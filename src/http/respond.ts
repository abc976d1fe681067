import type { ServerResponse } from 'node:http';
import { clientErrorOf, type GatewayError } from '../errors';

export function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}

/** A request refused before GraphQL runs, in GraphQL's response shape: `{ errors: [{ message, extensions }] }`. */
export function sendError(response: ServerResponse, error: GatewayError): void {
  const { message, ...extensions } = clientErrorOf(error);
  for (const [name, value] of Object.entries(error.headers ?? {})) response.setHeader(name, value);
  sendJson(response, error.httpStatus ?? 500, { errors: [{ message, extensions }] });
}
