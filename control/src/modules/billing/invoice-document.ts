// A month's tax invoice for one tenant, as data: built only from the records it counts and the two parties'
// profiles, so building it again from the same inputs gives the same bytes. Lines are grouped by component;
// every amount is a sum of the records' per-line paise, so the invoice adds up to its records exactly.
import { amountInWords } from '../pricing/money.ts';
import type { Profile } from '../pricing/repository.ts';
import { COMPONENTS, type Component } from '../pricing/types.ts';
import type { BillingRecord } from './records.ts';

export interface Party { legalName: string; gstin: string; address: string; stateCode: string }

export interface InvoiceItem {
  provider: string; model: string; calls: number; quantity: number; quantityUnit: string;
  costPaise: number; markupPaise: number; taxablePaise: number; cgstPaise: number; sgstPaise: number; igstPaise: number; totalPaise: number;
}
export interface InvoiceGroup extends Omit<InvoiceItem, 'provider' | 'model' | 'quantity' | 'quantityUnit'> { component: Component; label: string; items: InvoiceItem[] }

export interface InvoiceDocument {
  id: string; number: string; tenantId: string; period: string; financialYear: string; issuedAt: string;
  supplier: Party; recipient: Party;
  /** The recipient's state (its GST state code): the place of supply. */
  placeOfSupply: string;
  taxMode: 'intra' | 'inter' | 'mixed';
  gstPercent: string;
  calls: number;
  groups: InvoiceGroup[];
  subtotalPaise: number; cgstPaise: number; sgstPaise: number; igstPaise: number; gstPaise: number; totalPaise: number;
  totalInWords: string;
}

export const COMPONENT_LABELS: Record<Component, string> = {
  telephony: 'Telephony (per minute)', asr: 'Speech recognition (per audio minute)', llm_input: 'Language model input (per 1M tokens)',
  llm_cached_input: 'Language model cached input (per 1M tokens)', llm_output: 'Language model output (per 1M tokens)',
  tts: 'Speech synthesis (per 1,000 characters)', tool: 'Tool and webhook calls',
};

const MONEY = ['costPaise', 'markupPaise', 'taxablePaise', 'cgstPaise', 'sgstPaise', 'igstPaise', 'totalPaise'] as const;
const zero = () => ({ calls: 0, costPaise: 0, markupPaise: 0, taxablePaise: 0, cgstPaise: 0, sgstPaise: 0, igstPaise: 0, totalPaise: 0 });
const party = (p: Profile | null): Party => ({ legalName: p?.legalName ?? '', gstin: p?.gstin ?? '', address: p?.address ?? '', stateCode: p?.stateCode ?? '' });

export function buildInvoice(head: { id: string; number: string; tenantId: string; period: string; financialYear: string; issuedAtMs: number },
  records: readonly BillingRecord[], supplier: Profile | null, recipient: Profile | null): InvoiceDocument {
  const groups = new Map<Component, InvoiceGroup>();
  const items = new Map<string, InvoiceItem>();
  for (const record of records) {
    for (const line of record.lines) {
      const group = groups.get(line.component) ?? { component: line.component, label: COMPONENT_LABELS[line.component], ...zero(), items: [] };
      groups.set(line.component, group);
      const key = `${line.component}\u0000${line.provider}\u0000${line.model}`;
      let item = items.get(key);
      if (!item) {
        item = { provider: line.provider, model: line.model, quantity: 0, quantityUnit: line.quantityUnit, ...zero() };
        items.set(key, item);
        group.items.push(item);
      }
      item.calls += 1;
      group.calls += 1;
      item.quantity += line.quantity;
      for (const k of MONEY) { item[k] += line[k]; group[k] += line[k]; }
    }
  }
  const ordered = [...groups.values()].sort((a, b) => COMPONENTS.indexOf(a.component) - COMPONENTS.indexOf(b.component));
  for (const g of ordered) g.items.sort((a, b) => (`${a.provider}/${a.model}` < `${b.provider}/${b.model}` ? -1 : 1));
  const sum = (k: (typeof MONEY)[number]) => ordered.reduce((n, g) => n + g[k], 0);
  const modes = new Set(records.map((r) => r.terms.taxMode));
  const rates = [...new Set(records.map((r) => r.terms.gstPercent))];
  const total = sum('totalPaise');
  const cgst = sum('cgstPaise');
  const sgst = sum('sgstPaise');
  const igst = sum('igstPaise');
  return {
    id: head.id, number: head.number, tenantId: head.tenantId, period: head.period, financialYear: head.financialYear,
    issuedAt: new Date(head.issuedAtMs).toISOString(), supplier: party(supplier), recipient: party(recipient),
    placeOfSupply: recipient?.stateCode || supplier?.stateCode || '',
    taxMode: modes.size > 1 ? 'mixed' : modes.has('inter') ? 'inter' : 'intra',
    gstPercent: rates.join(' / '), calls: records.length, groups: ordered,
    subtotalPaise: sum('taxablePaise'), cgstPaise: cgst, sgstPaise: sgst, igstPaise: igst, gstPaise: cgst + sgst + igst, totalPaise: total,
    totalInWords: amountInWords(BigInt(total)),
  };
}
