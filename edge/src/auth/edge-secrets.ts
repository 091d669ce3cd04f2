// The edge's secrets that a reload (SIGHUP) may change: the media token secret, Twilio's auth token and the SIP
// digest users. Each check reads them here when it runs, so a new media socket or INVITE meets the current values,
// while a socket or dialog admitted before the reload is never checked again and goes on undisturbed.
import type { DigestUser } from '../sip/digest-auth.ts';

export interface EdgeSecretValues {
  /** Media tokens are signed with it (auth/media-token.ts); never empty. */
  mediaTokenSecret: string;
  /** Empty: Twilio media sockets are not asked for X-Twilio-Signature. */
  twilioAuthToken: string;
  /** Trunks whose INVITEs must pass digest auth; empty: none must. */
  sipAuthUsers: readonly DigestUser[];
}

export class EdgeSecrets {
  // #private, and read through getters: a holder logged by mistake serializes as {} and shows no value.
  #current: Readonly<EdgeSecretValues>;

  constructor(initial: EdgeSecretValues) {
    this.#current = checked(initial);
  }

  get mediaTokenSecret(): string {
    return this.#current.mediaTokenSecret;
  }

  get twilioAuthToken(): string {
    return this.#current.twilioAuthToken;
  }

  get sipAuthUsers(): readonly DigestUser[] {
    return this.#current.sipAuthUsers;
  }

  /** Swaps them all at once; invalid values throw and the ones in use stay. */
  replace(next: EdgeSecretValues): void {
    this.#current = checked(next);
  }
}

function checked(values: EdgeSecretValues): Readonly<EdgeSecretValues> {
  if (!values.mediaTokenSecret) throw new Error('the edge needs a media token secret: set INVORTO_MEDIA_TOKEN_SECRET (or INVORTO_MEDIA_TOKEN_SECRET_FILE)');
  return Object.freeze({ ...values, sipAuthUsers: Object.freeze(values.sipAuthUsers.map((user) => Object.freeze({ ...user }))) });
}
