// Calls' usage as billing received it, their priced records (versioned) and the invoices issued.
export interface BillingTables {
  call_usage: { call_id: string; tenant_id: string; agent_id: string; started_at: number; usage_json: string; received_at: number };
  /** One row per version of a call's record; `current` marks the latest. Versions are never rewritten. */
  billing_records: {
    id: string; call_id: string; version: number; current: number; tenant_id: string; agent_id: string; started_at: number;
    status: string; error: string | null; hash: string; fx_rate: string | null; lines_json: string; flags_json: string; terms_json: string;
    usd_micros: number; cost_paise: number; markup_paise: number; taxable_paise: number;
    cgst_paise: number; sgst_paise: number; igst_paise: number; gst_paise: number; total_paise: number;
    invoice_id: string | null; created_at: number;
  };
  invoices: {
    id: string; tenant_id: string; period: string; financial_year: string; seq: number; number: string;
    issued_at: number; total_paise: number; document_json: string;
  };
}
