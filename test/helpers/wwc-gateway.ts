// A gateway on courier's WWC channel with courier's stand-in as its platform, as the WWC tests
// start it: the callback a WWC client registers with, the /ws address, and visitor ids.
import { CourierWwcStandIn } from './courier-wwc.js';
import { startGateway, TEST_CHANNEL, TEST_TOKEN, type RunningGateway } from './gateway.js';

export interface WwcGateway {
  gw: RunningGateway;
  courier: CourierWwcStandIn;
  /** The `callback` of a WWC register: courier's receive URL for TEST_CHANNEL. */
  callback: string;
  /** ws://127.0.0.1:<port>/ws */
  ws: string;
  /** Stops the gateway, then courier's stand-in. */
  stop(): Promise<void>;
}

/** Courier's stand-in, then a gateway posting to it (PLATFORM_CHANNEL_TYPE=wwc, WEBHOOK_TOKEN=TEST_TOKEN) with `env` on top. */
export async function startWwcGateway(env: Record<string, string | undefined> = {}): Promise<WwcGateway> {
  const courier = await new CourierWwcStandIn().start();
  const gw = await startGateway({ PLATFORM_URL: courier.url, PLATFORM_CHANNEL_TYPE: 'wwc', WEBHOOK_TOKEN: TEST_TOKEN, ...env });
  return {
    gw,
    courier,
    callback: `${courier.url}/c/wwc/${TEST_CHANNEL}/receive`,
    ws: `ws://127.0.0.1:${gw.port}/ws`,
    stop: async () => {
      await gw.stop();
      await courier.stop();
    },
  };
}

let visitors = 0;

/** A fresh visitor id in the form push-webchat makes (`<number>@<host>`). */
export function newVisitor(): string {
  return `${Date.now()}${++visitors}@shop.example.test`;
}
