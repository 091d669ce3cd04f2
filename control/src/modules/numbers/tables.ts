// Phone numbers: an E.164 number belongs to one tenant only (its primary key is the number) and rings one agent.
export interface NumberTables {
  phone_numbers: { e164: string; tenant_id: string; agent_id: string; label: string | null; created_at: number; updated_at: number };
}
