import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/catalogue.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

export function sendError(res: ServerResponse, err: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The client may still be sending a body we refused (413): close after answering.
  sendJson(res, err.status, err.toJSON(), err.status === 413 ? { connection: 'close' } : {});
}
