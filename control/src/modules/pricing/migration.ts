import { bigint, type DialectMigration } from '../../db/migrations.ts';

/** Migration 004: the price book, exchange rates, terms, profiles, and billing's usage, records and invoices. */
export const pricingBillingMigration: DialectMigration = (dialect) => ({
  async up(db) {
    const ms = bigint(dialect);
    const money = bigint(dialect);
    await db.schema.createTable('price_entries').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('tenant_id', 'text')
      .addColumn('component', 'text', (c) => c.notNull()).addColumn('provider', 'text', (c) => c.notNull()).addColumn('model', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull()).addColumn('price', 'text', (c) => c.notNull()).addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('effective_from', ms, (c) => c.notNull()).addColumn('effective_to', ms).addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).execute();
    await db.schema.createIndex('price_entries_by_key').on('price_entries').columns(['component', 'provider', 'model', 'effective_from']).execute();
    await db.schema.createTable('fx_rates').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('rate', 'text', (c) => c.notNull())
      .addColumn('effective_from', ms, (c) => c.notNull()).addColumn('effective_to', ms).addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('tenant_terms').addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('markup_percent', 'text', (c) => c.notNull()).addColumn('gst_percent', 'text')
      .addColumn('monthly_budget_paise', money).addColumn('call_cap_paise', money).addColumn('updated_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('billing_profiles').addColumn('party', 'text', (c) => c.primaryKey())
      .addColumn('legal_name', 'text', (c) => c.notNull()).addColumn('gstin', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull()).addColumn('state_code', 'text', (c) => c.notNull())
      .addColumn('gst_percent', 'text').addColumn('updated_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('call_usage').addColumn('call_id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('started_at', ms, (c) => c.notNull()).addColumn('usage_json', 'text', (c) => c.notNull())
      .addColumn('received_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('billing_records').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('call_id', 'text', (c) => c.notNull()).addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('current', 'integer', (c) => c.notNull()).addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull()).addColumn('started_at', ms, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull()).addColumn('error', 'text').addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('fx_rate', 'text').addColumn('lines_json', 'text', (c) => c.notNull()).addColumn('flags_json', 'text', (c) => c.notNull())
      .addColumn('terms_json', 'text', (c) => c.notNull())
      .addColumn('usd_micros', money, (c) => c.notNull()).addColumn('cost_paise', money, (c) => c.notNull())
      .addColumn('markup_paise', money, (c) => c.notNull()).addColumn('taxable_paise', money, (c) => c.notNull())
      .addColumn('cgst_paise', money, (c) => c.notNull()).addColumn('sgst_paise', money, (c) => c.notNull())
      .addColumn('igst_paise', money, (c) => c.notNull()).addColumn('gst_paise', money, (c) => c.notNull())
      .addColumn('total_paise', money, (c) => c.notNull()).addColumn('invoice_id', 'text').addColumn('created_at', ms, (c) => c.notNull())
      .addUniqueConstraint('billing_records_call_version', ['call_id', 'version']).execute();
    await db.schema.createIndex('billing_records_by_tenant').on('billing_records').columns(['tenant_id', 'current', 'started_at']).execute();
    await db.schema.createTable('invoices').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('period', 'text', (c) => c.notNull())
      .addColumn('financial_year', 'text', (c) => c.notNull()).addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull()).addColumn('issued_at', ms, (c) => c.notNull())
      .addColumn('total_paise', money, (c) => c.notNull()).addColumn('document_json', 'text', (c) => c.notNull())
      .addUniqueConstraint('invoices_tenant_period', ['tenant_id', 'period'])
      .addUniqueConstraint('invoices_tenant_fy_seq', ['tenant_id', 'financial_year', 'seq']).execute();
    // Billing finds the calls that ended since it last looked (billing/call-billing.ts) by this index on calls.
    await db.schema.createIndex('calls_by_end_for_billing').on('calls').columns(['ended_at', 'id']).execute();
  },
});
