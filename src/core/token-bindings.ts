// Sessions bound to a client's secret token (the WWC protocol's `token`): the first register of a
// session binds the hash of its token, and only a client naming the same token may resume the
// session or close its other connections. Sessions this front-end did not create (SocketCluster
// ones, bound to their auth token instead) are never resumable with a token. The binding is a
// session value, so it goes with the session (admin delete) and never outlives it.
import { createHash } from 'node:crypto';
import type { SessionStore } from '../store/store.js';

/** The session value holding a WWC session's token binding. */
export const TOKEN_BINDING = 'wwc-token';
const NO_TOKEN = 'none';
/** Bound to sessions created without a token binding (SocketCluster ones). */
const FOREIGN = 'foreign';

function tokenBinding(token: string | undefined): string {
  return token === undefined || token === '' ? NO_TOKEN : 'sha256:' + createHash('sha256').update(token).digest('hex');
}

export class TokenBindings {
  constructor(private readonly store: SessionStore) {}

  /** The session's binding as stored; a session without one is marked foreign from now on. */
  private bound(urn: string): Promise<string> {
    return this.store.putSessionValue(urn, TOKEN_BINDING, FOREIGN, 'ifAbsent');
  }

  /** May a client with this token resume the session? (Sessions bound to no token: anyone.) */
  async owns(urn: string, token: string | undefined): Promise<boolean> {
    const bound = await this.bound(urn);
    return bound === NO_TOKEN || bound === tokenBinding(token);
  }

  /** Does this (non-empty) token name the session? */
  async names(urn: string, token: string): Promise<boolean> {
    return (await this.store.getSessionValue(urn, TOKEN_BINDING)) === tokenBinding(token);
  }

  /** The first register binds its token (a no-op when the session is already bound). */
  async bind(urn: string, token: string | undefined): Promise<void> {
    await this.store.putSessionValue(urn, TOKEN_BINDING, tokenBinding(token), 'ifAbsent');
  }
}
