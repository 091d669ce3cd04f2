// Checks real responses against the response schemas the OpenAPI document promises: every call a test makes
// through TestControl.api is checked, so a handler that drifts from its documentation fails the test that used it.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
  components?: { schemas?: Record<string, object> };
}

export class DocumentedResponses {
  readonly #ajv: Ajv2020;
  readonly #routes: { method: string; template: string; pattern: RegExp }[];
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
    this.#routes = Object.entries(document.paths).flatMap(([template, methods]) => Object.keys(methods).map((method) => ({
      method: method.toUpperCase(), template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    })));
  }

  /** Throws when `body` is not what the document says `method path` answers with `status`; true when it checked. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): boolean {
    const pathname = path.split('?')[0];
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(pathname));
    if (!route) return false;
    const responses = this.document.paths[route.template][route.method.toLowerCase()].responses ?? {};
    const response = responses[String(status)] ?? responses.default;
    if (!response) throw new Error(`${method} ${route.template} answered ${status}, which its documentation does not list`);
    if (!contentType?.includes('json')) return false;
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return false;
    const key = `${route.method} ${route.template} ${status}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ ...schema, components: this.document.components });
      this.#compiled.set(key, validate);
    }
    if (!validate(body)) throw new Error(`${key}: response does not match its documented schema: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
    return true;
  }
}
