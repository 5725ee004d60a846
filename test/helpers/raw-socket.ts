import WebSocket from 'ws';

/** Opens a raw WebSocket with an Origin header; resolves 'open' or the refusal's status and text. */
export function tryConnect(
  port: number,
  headers: Record<string, string> = {},
): Promise<{ open: boolean; status?: number | undefined; reason?: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socketcluster/`, { headers, ...(headers['origin'] ? { origin: headers['origin'] } : {}) });
    ws.on('open', () => resolve({ open: true, ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ open: false, status: res.statusCode, reason: `${res.statusMessage} ${body}` }));
    });
    ws.on('error', () => {});
  });
}
