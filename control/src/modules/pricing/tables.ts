// The price book, exchange rates, tenants' commercial terms and the parties' billing profiles. Times are epoch
// milliseconds; prices, rates and percentages are decimal strings (exact), money is integer paise.
export interface PricingTables {
  price_entries: {
    id: string; tenant_id: string | null; component: string; provider: string; model: string; currency: string;
    price: string; unit: string; effective_from: number; effective_to: number | null; source: string; created_at: number;
  };
  fx_rates: { id: string; rate: string; effective_from: number; effective_to: number | null; source: string; created_at: number };
  /** Per tenant, set by the operator: markup, GST override, budget and caps. */
  tenant_terms: {
    tenant_id: string; markup_percent: string; gst_percent: string | null;
    monthly_budget_paise: number | null; call_cap_paise: number | null; updated_at: number;
  };
  /** Who is on an invoice: the operator (party "operator") and each tenant (party = tenant id). */
  billing_profiles: { party: string; legal_name: string; gstin: string; address: string; state_code: string; gst_percent: string | null; updated_at: number };
}
