// Runs an LLM turn's tool calls: arguments validated against each tool's JSON Schema (invalid ones are answered as a
// structured error, never thrown), independent calls in parallel, dependent ones after what they need (a small DAG;
// a failure cascades to its dependents, each told why), each under its own timeout, and all of them cancelled when
// the generation is (barge-in, hang-up): nothing is left "in progress".
import { Ajv, type ValidateFunction } from 'ajv';
import type { Tool, ToolOutcome, ToolRequest } from './types.ts';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Compiled validators, shared by every call: compiling a schema generates code, and a registry per call compiling
 * its own would cost each call that code (V8 keeps generated functions around). Keyed by the schema's JSON, bounded.
 */
const validators = new Map<string, ValidateFunction>();
const MAX_VALIDATORS = 1000;

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (validate) {
    validators.delete(key); // most recently used last
  } else {
    // ajv caches by schema object; a fresh instance for each new schema keeps that cache from growing per call.
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value!);
  }
  validators.set(key, validate);
  return validate;
}

export class ToolRegistry {
  readonly #tools = new Map<string, { tool: Tool; validate: ValidateFunction }>();

  register(tool: Tool): this {
    if (this.#tools.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
    let validate: ValidateFunction;
    try {
      validate = validatorFor(tool.parameters);
    } catch (error) {
      throw new Error(`tool "${tool.name}": its parameters are not a valid JSON Schema: ${(error as Error).message}`);
    }
    this.#tools.set(tool.name, { tool, validate });
    return this;
  }

  get(name: string) {
    return this.#tools.get(name);
  }

  /** The definitions the LLM is given. */
  definitions(): { name: string; description: string; parameters: Record<string, unknown> }[] {
    return [...this.#tools.values()].map(({ tool }) => ({ name: tool.name, description: tool.description, parameters: tool.parameters }));
  }
}

export async function executeTools(registry: ToolRegistry, requests: ToolRequest[], options: { callId: string; signal: AbortSignal }): Promise<ToolOutcome[]> {
  const byId = new Map(requests.map((r) => [r.id, r]));
  const outcomes = new Map<string, Promise<ToolOutcome>>();

  const run = (request: ToolRequest, path: string[]): Promise<ToolOutcome> => {
    const existing = outcomes.get(request.id);
    if (existing) return existing;
    const promise = (async (): Promise<ToolOutcome> => {
      const started = performance.now();
      const fail = (kind: Extract<ToolOutcome, { ok: false }>['error']['kind'], message: string): ToolOutcome =>
        ({ id: request.id, name: request.name, ok: false, error: { kind, message }, durationMs: performance.now() - started });
      if (path.includes(request.id)) return fail('cycle', `dependency cycle: ${[...path, request.id].join(' -> ')}`);
      // Wait for what this call needs; a failed dependency fails it too, saying which.
      const dependencies: Record<string, unknown> = {};
      for (const dependency of request.dependsOn ?? []) {
        const needed = byId.get(dependency);
        if (!needed) return fail('dependency_failed', `depends on unknown call "${dependency}"`);
        const outcome = await run(needed, [...path, request.id]);
        if (!outcome.ok) return fail('dependency_failed', `${needed.name} (${dependency}) failed: ${outcome.error.message}`);
        dependencies[dependency] = outcome.result;
      }
      if (options.signal.aborted) return fail('cancelled', 'the generation that asked for this tool was cancelled');
      const entry = registry.get(request.name);
      if (!entry) return fail('unknown_tool', `no tool named "${request.name}"`);
      let args: unknown;
      try {
        args = request.argumentsJson.trim() ? JSON.parse(request.argumentsJson) : {};
      } catch {
        return fail('invalid_arguments', `arguments are not JSON: ${request.argumentsJson.slice(0, 200)}`);
      }
      if (!entry.validate(args)) {
        return fail('invalid_arguments', (entry.validate.errors ?? []).map((e) => `${e.instancePath || '(arguments)'} ${e.message}`).join('; '));
      }
      const controller = new AbortController();
      const timeoutMs = entry.tool.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const onCancel = () => controller.abort(new Error('cancelled'));
      options.signal.addEventListener('abort', onCancel, { once: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          entry.tool.run(args as Record<string, unknown>, { callId: options.callId, signal: controller.signal, dependencies }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => { controller.abort(new Error('timeout')); reject(new Error(`timed out after ${timeoutMs} ms`)); }, timeoutMs);
            controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
          }),
        ]);
        return { id: request.id, name: request.name, ok: true, result, durationMs: performance.now() - started };
      } catch (error) {
        if (options.signal.aborted) return fail('cancelled', 'the generation that asked for this tool was cancelled');
        const message = (error as Error).message;
        return fail(/timed out|^timeout$/.test(message) ? 'timeout' : 'failed', message);
      } finally {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onCancel);
      }
    })();
    outcomes.set(request.id, promise);
    return promise;
  };

  return Promise.all(requests.map((request) => run(request, [])));
}

/** What goes back to the LLM for each call: the result, or the error for it to handle. */
export function toolMessageContent(outcome: ToolOutcome): string {
  return JSON.stringify(outcome.ok ? { ok: true, result: outcome.result } : { ok: false, error: outcome.error });
}
