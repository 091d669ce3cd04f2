// `invorto pricing`: the operator's price book from the command line, through control's API (/v1/pricing), so
// the same validation, overlap checks and permissions apply as for any client.
import { helpText, OptionError, parseOptions } from '../../../bin/options.ts';

export const pricingOptions = {
  'api-url': { env: 'INVORTO_API_URL', default: 'http://127.0.0.1:8080', description: "control's public API (not the internal one edges use)" },
  'api-key': { env: 'INVORTO_API_KEY', default: '', description: 'an API key of the operator tenant with pricing:read / pricing:write', secret: true },
  from: { default: '', description: 'effective from: YYYY-MM-DD (midnight IST) or an ISO time' },
  to: { default: '', description: 'effective until (exclusive); empty: open-ended' },
  currency: { default: 'USD', description: 'currency of a price: USD or INR' },
  tenant: { default: '', description: 'make a price an override for this tenant' },
  source: { default: '', description: 'where the price or rate came from, and when it was read' },
  component: { default: '', description: 'list: only this component (asr, tts, llm_input, llm_cached_input, llm_output, telephony, tool)' },
  provider: { default: '', description: 'list: only this provider' },
  model: { default: '', description: 'list: only this model' },
  at: { default: '', description: 'list: only prices in force at this ISO time' },
  markup: { default: '', description: "tenant: markup percent on cost, e.g. 20" },
  gst: { default: '', description: 'tenant: GST percent override, e.g. 18' },
  'budget-paise': { default: '', description: 'tenant: monthly budget in paise' },
  'call-cap-paise': { default: '', description: 'tenant: per-call cost cap in paise' },
  json: { default: false, description: 'print the API answer as JSON' },
};

const USAGE = `usage:
  invorto pricing list [--component C] [--provider P] [--model M] [--at ISO]
  invorto pricing set <component> <provider> <model> <price> --from DATE [--to DATE] [--currency INR] [--tenant ID] [--source TEXT]
  invorto pricing fx                       (list USD→INR rates)
  invorto pricing fx <rate> --from DATE [--to DATE] [--source TEXT]
  invorto pricing tenant <tenantId> [--markup 20] [--gst 18] [--budget-paise N] [--call-cap-paise N]`;

interface Io { env?: NodeJS.ProcessEnv; out?: (line: string) => void; err?: (line: string) => void }

export async function runPricing(argv: string[], io: Io = {}): Promise<number> {
  const out = io.out ?? ((line) => console.log(line));
  const err = io.err ?? ((line) => console.error(line));
  const { values, positionals, help } = parseOptions(pricingOptions, argv, io.env);
  if (help || positionals.length === 0) {
    out(helpText(USAGE, pricingOptions));
    return help ? 0 : 2;
  }
  if (!values['api-key']) throw new OptionError('an API key is needed: --api-key or INVORTO_API_KEY (a key of the operator tenant)');
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${values['api-url'].replace(/\/$/, '')}${path}`, {
      method, headers: { authorization: `Bearer ${values['api-key']}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await response.json() as Record<string, any>;
    if (!response.ok) throw new CliError(`${method} ${path}: ${response.status} ${answer.error ?? ''}${answer.path ? ` (${answer.path})` : ''}`);
    return answer;
  };
  const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + 'Z' : 'open');
  try {
    const [verb, ...args] = positionals;
    if (verb === 'list') {
      const query = new URLSearchParams(Object.entries({ component: values.component, provider: values.provider, model: values.model, at: values.at }).filter(([, v]) => v));
      const { prices } = await call('GET', `/v1/pricing/prices${query.size ? `?${query}` : ''}`);
      if (values.json) out(JSON.stringify(prices, null, 2));
      else for (const p of prices) out(`${p.component.padEnd(17)} ${`${p.provider}/${p.model}`.padEnd(34)} ${`${p.price} ${p.currency}/${p.unit}`.padEnd(24)} ${day(p.effectiveFrom)} → ${day(p.effectiveTo)}${p.tenantId ? `  tenant ${p.tenantId}` : ''}  ${p.id}`);
      return 0;
    }
    if (verb === 'set') {
      if (args.length !== 4 || !values.from) throw new OptionError('set needs <component> <provider> <model> <price> and --from DATE');
      const [component, provider, model, price] = args;
      const body = { component, provider, model, price, currency: values.currency, effectiveFrom: values.from, ...(values.to ? { effectiveTo: values.to } : {}), ...(values.tenant ? { tenantId: values.tenant } : {}), ...(values.source ? { source: values.source } : {}) };
      const answer = await call('POST', '/v1/pricing/prices', body);
      out(values.json ? JSON.stringify(answer, null, 2) : `added ${answer.price.id}: ${component} ${provider}/${model} ${price} ${answer.price.currency}/${answer.price.unit} from ${day(answer.price.effectiveFrom)}${answer.superseded ? ` (closes ${answer.superseded} there)` : ''}`);
      return 0;
    }
    if (verb === 'fx') {
      if (args.length === 0) {
        const { rates } = await call('GET', '/v1/pricing/fx-rates');
        if (values.json) out(JSON.stringify(rates, null, 2));
        else for (const r of rates) out(`${r.rate.padEnd(12)} ${day(r.effectiveFrom)} → ${day(r.effectiveTo)}  ${r.id}  ${r.source}`);
        return 0;
      }
      if (!values.from) throw new OptionError('fx <rate> needs --from DATE');
      const answer = await call('POST', '/v1/pricing/fx-rates', { rate: args[0], effectiveFrom: values.from, ...(values.to ? { effectiveTo: values.to } : {}), ...(values.source ? { source: values.source } : {}) });
      out(values.json ? JSON.stringify(answer, null, 2) : `added ${answer.rate.id}: 1 USD = ₹${answer.rate.rate} from ${day(answer.rate.effectiveFrom)}${answer.superseded ? ` (closes ${answer.superseded} there)` : ''}`);
      return 0;
    }
    if (verb === 'tenant') {
      if (args.length !== 1) throw new OptionError('tenant needs <tenantId>');
      const path = `/v1/pricing/tenants/${encodeURIComponent(args[0])}`;
      const paise = (v: string, name: string) => {
        if (v === 'none') return null;
        if (!/^\d+$/.test(v)) throw new OptionError(`--${name} must be a whole number of paise (or "none")`);
        return Number(v);
      };
      const body = {
        ...(values.markup ? { markupPercent: values.markup } : {}), ...(values.gst ? { gstPercent: values.gst === 'default' ? null : values.gst } : {}),
        ...(values['budget-paise'] ? { monthlyBudgetPaise: paise(values['budget-paise'], 'budget-paise') } : {}),
        ...(values['call-cap-paise'] ? { callCapPaise: paise(values['call-cap-paise'], 'call-cap-paise') } : {}),
      };
      const terms = Object.keys(body).length ? await call('PUT', path, body) : await call('GET', path);
      out(JSON.stringify(terms, null, values.json ? 2 : undefined));
      return 0;
    }
    throw new OptionError(`unknown pricing command "${verb}"\n${USAGE}`);
  } catch (error) {
    if (error instanceof CliError) {
      err(`invorto pricing: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

class CliError extends Error {}

export function run(argv: string[]): Promise<number> {
  return runPricing(argv);
}
