// The `platform` options (see src/config/options.ts).
import { DEFAULT_DELIVERY_MAX_AGE, DEFAULT_PLATFORM_TIMEOUT, DEFAULT_STATUS_DELAY } from '../defaults.js';
import { option } from '../spec.js';
import { boolean, channelType, duration, language, urlList } from '../validators.js';

export const PLATFORM_OPTIONS = [
  option({
    key: 'platformHosts',
    group: 'platform',
    env: 'PLATFORM_HOSTS',
    flag: '--platform-hosts',
    default: [],
    defaultText: 'none',
    parse: urlList,
    description: 'Other platform base URLs widgets may name as `hostApi`, comma-separated. Anything else is refused.',
  }),
  option({
    key: 'platformTimeout',
    group: 'platform',
    env: 'PLATFORM_TIMEOUT',
    flag: '--platform-timeout',
    default: DEFAULT_PLATFORM_TIMEOUT,
    defaultText: '10s',
    parse: duration(100),
    description: 'Timeout of each HTTP call to the platform.',
  }),
  option({
    key: 'statusCallbacks',
    group: 'platform',
    env: 'STATUS_CALLBACKS',
    flag: '--status-callbacks',
    default: false,
    parse: boolean,
    description:
      'Report `POST {hostApi}/c/ex/{channel}/delivered` (form `id`) once a platform message is proven delivered to a widget, and `/failed` once it expired undelivered.',
  }),
  option({
    key: 'deliveryMaxAge',
    group: 'platform',
    env: 'DELIVERY_MAX_AGE',
    flag: '--delivery-max-age',
    default: DEFAULT_DELIVERY_MAX_AGE,
    defaultText: '7d',
    parse: duration(1000),
    description: 'With STATUS_CALLBACKS: a platform message not proven delivered within this time is reported `failed` (it stays queued for the widget).',
  }),
  option({
    key: 'statusDelay',
    group: 'platform',
    env: 'STATUS_DELAY',
    flag: '--status-delay',
    default: DEFAULT_STATUS_DELAY,
    defaultText: '2s',
    parse: duration(0),
    description:
      'With STATUS_CALLBACKS: a report is sent no earlier than this after the `/send` that carried the message was answered (courier overwrites a status that arrives before its own send record), and retried with backoff if it does not get through.',
  }),
  option({
    key: 'demoBotDelay',
    group: 'platform',
    env: 'DEMO_BOT_DELAY',
    flag: '--demo-bot-delay',
    default: 300,
    defaultText: '300ms',
    parse: duration(0),
    description: 'How long the built-in demo bot "types" before answering.',
  }),
  option({
    key: 'platformChannelType',
    group: 'platform',
    env: 'PLATFORM_CHANNEL_TYPE',
    flag: '--platform-channel-type',
    default: 'ex',
    parse: channelType,
    description:
      'The platform channel user messages go to: `ex` (courier External channel, `/c/ex/{uuid}/receive`, form) or `wwc` (Weni Web Chat channel, `/c/wwc/{uuid}/receive`, JSON). Independent of the widget protocol.',
  }),
  option({
    key: 'defaultLanguage',
    group: 'platform',
    env: 'DEFAULT_LANGUAGE',
    flag: '--default-language',
    default: 'en',
    parse: language,
    description: 'Language WWC widgets get for `get_project_language`.',
  }),
] as const;
