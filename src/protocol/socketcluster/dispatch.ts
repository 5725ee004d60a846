// Serving a SocketCluster socket's events: one loop per event name keeps each socket's events in
// order; replies are framed per the event table (events.ts).
import type { AGRequest } from 'socketcluster-server';
import { asGatewayError, type GatewayError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import type { Connection } from './connection.js';
import { SC_EVENTS, type WidgetEvent } from './events.js';
import { bothSlotsReply } from './frames.js';

type Handle = (data: unknown) => Promise<unknown>;

/** Events emitted with a callback. */
export async function serveProcedure(conn: Connection, name: WidgetEvent, handle: Handle, log: Logger): Promise<void> {
  for await (const request of conn.socket.procedure(name)) {
    let result: unknown;
    try {
      result = await handle(request.data);
    } catch (err) {
      const gwErr = asGatewayError(err);
      if (gwErr.code === 'WG_ERR_INTERNAL') log.error({ err, event: name }, 'widget event failed');
      reply(request, name, { error: gwErr.code, message: gwErr.message }, gwErr);
      continue;
    }
    reply(request, name, result);
  }
}

/** Events emitted without a callback (the v9 widget's sendMessageToChannel). */
export async function serveReceiver(conn: Connection, name: WidgetEvent, handle: Handle, log: Logger): Promise<void> {
  for await (const data of conn.socket.receiver(name)) {
    try {
      await handle(data);
    } catch (err) {
      const gwErr = asGatewayError(err);
      // Nobody to answer: log it where an operator can see why a message went missing.
      log.info({ socket: conn.id, event: name, code: gwErr.code, reason: gwErr.message }, 'widget event refused');
    }
  }
}

function reply(request: AGRequest, name: WidgetEvent, body: unknown, error?: GatewayError): void {
  if (request.sent || request.socket.state !== 'open') return;
  if (SC_EVENTS[name].reply === 'both-slots') {
    request.sent = true;
    request.socket.send(bothSlotsReply(request.id, JSON.stringify(body)));
  } else if (error) {
    request.error(error.toSocketError());
  } else {
    request.end(body);
  }
}
