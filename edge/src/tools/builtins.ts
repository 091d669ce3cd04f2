// The built-in tools: end the call, transfer it, and call a customer's webhook (HMAC-signed, with its own timeout).
import { createHmac } from 'node:crypto';
import type { Tool } from './types.ts';

export interface CallControl {
  hangup(reason: string): void;
  transfer(target: string): void;
}

export function endCallTool(control: CallControl): Tool {
  return {
    name: 'end_call',
    description: 'End the call after saying goodbye, when the caller has nothing more to ask.',
    parameters: { type: 'object', properties: { reason: { type: 'string' } }, additionalProperties: false },
    timeoutMs: 1000,
    async run(args) {
      control.hangup(String(args.reason ?? 'agent ended the call'));
      return { ended: true };
    },
  };
}

export function transferCallTool(control: CallControl): Tool {
  return {
    name: 'transfer_call',
    description: 'Transfer the caller to a person or another number.',
    parameters: { type: 'object', properties: { target: { type: 'string', minLength: 1 } }, required: ['target'], additionalProperties: false },
    timeoutMs: 5000,
    async run(args) {
      control.transfer(String(args.target));
      return { transferred: args.target };
    },
  };
}

/**
 * A customer's HTTP endpoint as a tool. The body is the arguments as JSON; X-Invorto-Signature is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the webhook's secret, so the receiver can check
 * origin and freshness.
 */
export function webhookTool(spec: { name: string; description: string; url: string; secret: string; parameters: Record<string, unknown>; timeoutMs?: number }): Tool {
  return {
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
    timeoutMs: spec.timeoutMs ?? 5000,
    async run(args, context) {
      const body = JSON.stringify(args);
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', spec.secret).update(`${timestamp}.${body}`).digest('hex');
      const response = await fetch(spec.url, {
        method: 'POST', body, signal: context.signal,
        headers: { 'content-type': 'application/json', 'x-invorto-signature': `t=${timestamp},v1=${signature}`, 'x-invorto-call-id': context.callId },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`webhook ${spec.name} answered ${response.status}: ${text.slice(0, 200)}`);
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
  };
}
