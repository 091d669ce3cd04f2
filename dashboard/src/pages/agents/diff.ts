// A field-by-field difference of two agent documents: every leaf path whose value differs.
export interface Change { path: string; before: string | null; after: string | null }

function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !(Array.isArray(value) && value.every((v) => typeof v !== 'object'))) {
    for (const [key, v] of Object.entries(value)) leaves(v, Array.isArray(value) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

export function diffDocuments(before: unknown, after: unknown): Change[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.filter((p) => a.get(p) !== b.get(p)).map((path) => ({ path, before: a.get(path) ?? null, after: b.get(path) ?? null }));
}
