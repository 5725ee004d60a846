// WWC clients for the load generator (load.ts): plain `ws` speaking the frames push-webchat and
// @weni/webchat-service send (register, then text messages), answering the gateway's pings as
// browsers do. Platform messages carry their post time in the text ("bench <ms>"), since the WWC
// `message` frame has no room for the body's other fields.
import WebSocket from 'ws';
import { now } from './util.js';

/** The channel of the bench's WWC sessions (the callback's path names it). */
export const WWC_BENCH_CHANNEL = '6f1c3d7e-8a2b-4c5d-9e0f-1a2b3c4d5e6f';

export interface WwcHeld {
  ws: WebSocket;
  from: string;
}

let counter = 0;

/** Opens one WWC session; `onMessage` gets each platform message's post time (or NaN). */
export function openWwc(port: number, callbackBase: string, onMessage: (sentAt: number) => void, onClose: () => void): Promise<WwcHeld> {
  const from = `${process.pid}-${++counter}-${Date.now()}@bench.test`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  return new Promise<WwcHeld>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('register timed out'));
    }, 60_000);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { type: string; error?: string; message?: { text?: string } };
      if (f.type === 'message') {
        const text = f.message?.text ?? '';
        onMessage(text.startsWith('bench ') ? Number(text.slice(6)) : NaN);
      } else if (f.type === 'ready_for_message') {
        clearTimeout(timer);
        resolve({ ws, from });
      } else if (f.type === 'error') {
        clearTimeout(timer);
        ws.close();
        reject(new Error(f.error));
      }
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'register', from, callback: `${callbackBase}/c/wwc/${WWC_BENCH_CHANNEL}/receive`, session_type: 'local' })),
    );
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', onClose);
  });
}

/** A visitor's text, as both clients send it; the text carries the send time. */
export function emitWwc(h: WwcHeld): boolean {
  if (h.ws.readyState !== WebSocket.OPEN) return false;
  h.ws.send(`{"type":"message","message":{"type":"text","text":"bench:${now()}"}}`);
  return true;
}
