// What a tool is to the runtime: a name, a JSON Schema for its arguments, a timeout, the tools it waits for, and an
// async function that honours an abort signal.

export interface ToolContext {
  callId: string;
  /** Aborted when the generation that asked for the tool is cancelled (barge-in, hang-up) or the tool times out. */
  signal: AbortSignal;
  /** Results of the tools this one depends on, by call id. */
  dependencies: Record<string, unknown>;
}

export interface Tool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object (validated with ajv before the tool runs). */
  parameters: Record<string, unknown>;
  timeoutMs?: number;
  run(args: Record<string, unknown>, context: ToolContext): Promise<unknown>;
}

export interface ToolRequest {
  /** The LLM's tool-call id. */
  id: string;
  name: string;
  argumentsJson: string;
  /** Ids of requests whose results this one needs first. */
  dependsOn?: string[];
}

export type ToolOutcome =
  | { id: string; name: string; ok: true; result: unknown; durationMs: number }
  | { id: string; name: string; ok: false; error: { kind: 'invalid_arguments' | 'unknown_tool' | 'timeout' | 'failed' | 'cancelled' | 'dependency_failed' | 'cycle'; message: string }; durationMs: number };
