// Twilio signs the requests it makes, the Media Streams WebSocket upgrade included: X-Twilio-Signature is the
// base64 HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio requested (query string included;
// a GET has no body parameters to append).
import { createHmac, timingSafeEqual } from 'node:crypto';

export function twilioSignature(authToken: string, url: string): string {
  return createHmac('sha1', authToken).update(Buffer.from(url, 'utf-8')).digest('base64');
}

export function validTwilioSignature(authToken: string, url: string, signature: string): boolean {
  const expected = Buffer.from(twilioSignature(authToken, url));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
