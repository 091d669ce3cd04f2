// A call's conversation as the LLM sees it. The full history is kept (and persisted) as it happened; what is sent
// each turn is pruned to a token budget counted with the model's real tokenizer (o200k_base, gpt-4o family): the
// system prompt and tool definitions always, then the most recent messages that fit, and one short extractive
// summary standing in for the oldest ones. An assistant tool-call message and its tool results stay together.
import { countTokens, countTokensOfEach } from './token-count.ts';
import type { ChatMessage, ToolCallRequest, ToolDefinition } from '../providers/types.ts';

export interface CallContextOptions {
  systemPrompt: string;
  tools?: ToolDefinition[];
  /** Budget for everything sent to the LLM: system prompt + tool definitions + messages. */
  maxTokens: number;
}

/** OpenAI's chat accounting adds a few tokens of framing per message. */
const PER_MESSAGE_TOKENS = 4;
const SUMMARY_LINE_CHARS = 120;
/** Of the budget left after the prompt and tools, what a summary of pruned messages may take. */
const SUMMARY_SHARE = 0.15;

/**
 * Token counts of the texts every call of an agent repeats (its system message, its tool definitions), shared by all
 * calls on the node: tokenizing them again at each call start and each turn was wasted work. Bounded; the oldest goes.
 */
const sharedCounts = new Map<string, number>();
const MAX_SHARED_COUNTS = 256;
function sharedTokenCount(text: string): number {
  let count = sharedCounts.get(text);
  if (count === undefined) {
    count = countTokens(text);
    if (sharedCounts.size >= MAX_SHARED_COUNTS) sharedCounts.delete(sharedCounts.keys().next().value!);
    sharedCounts.set(text, count);
  }
  return count;
}

export interface ContextMark { length: number; last: ChatMessage | undefined }

export class CallContext {
  readonly #options: CallContextOptions;
  readonly #messages: ChatMessage[];
  readonly #tokens = new WeakMap<ChatMessage, number>();
  #reservedTokens: number;
  /** The tool definitions' tokens (sent with every request). */
  readonly #toolTokens: number;
  /** Fires after every change, for persistence. */
  onChange: ((messages: readonly ChatMessage[]) => void) | null = null;
  readonly stats = { prunedMessages: 0, summarized: 0 };

  constructor(options: CallContextOptions, history: readonly ChatMessage[] = []) {
    this.#options = options;
    // A resumed call continues its conversation under today's prompt.
    const resumed = history[0]?.role === 'system' ? history.slice(1) : history;
    this.#messages = [{ role: 'system', content: options.systemPrompt }, ...resumed];
    this.#toolTokens = sharedTokenCount(JSON.stringify(options.tools ?? []));
    this.#reservedTokens = this.#tokensOf(this.#messages[0]) + this.#toolTokens;
    if (this.#reservedTokens > options.maxTokens) {
      throw new Error(`the system prompt and tool definitions take ${this.#reservedTokens} tokens, over the context budget of ${options.maxTokens}: raise contextTokens or shorten the prompt`);
    }
  }

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** An instruction for the rest of the call (the caller's language): kept with the system prompt, never pruned. */
  setStandingNote(note: string): void {
    this.#messages[0] = { role: 'system', content: note ? `${this.#options.systemPrompt}\n\n${note}` : this.#options.systemPrompt };
    this.#reservedTokens = this.#tokensOf(this.#messages[0]) + this.#toolTokens;
    this.#changed();
  }

  addUser(text: string): void {
    this.#push({ role: 'user', content: text });
  }

  /** The caller went on after we took their turn: their words join the last user message. */
  extendLastUser(text: string): void {
    const last = this.#messages.at(-1);
    if (last?.role !== 'user') {
      this.addUser(text);
      return;
    }
    this.#messages[this.#messages.length - 1] = { role: 'user', content: `${last.content} ${text}`.trim() };
    this.#changed();
  }

  /** Where the conversation stands now, to go back to if a tentative turn is withdrawn (`rollback`). */
  mark(): ContextMark {
    return { length: this.#messages.length, last: this.#messages.at(-1) };
  }

  /** Undoes what was added or extended since `mark` (a speculative turn the caller did not finish). */
  rollback(mark: ContextMark): void {
    this.#messages.length = Math.min(this.#messages.length, mark.length);
    if (mark.last && this.#messages.length === mark.length) this.#messages[mark.length - 1] = mark.last;
    this.#changed();
  }

  addAssistant(text: string, toolCalls?: ToolCallRequest[]): void {
    if (!text && !toolCalls?.length) return;
    this.#push(toolCalls?.length ? { role: 'assistant', content: text, toolCalls } : { role: 'assistant', content: text });
  }

  addToolResult(toolCallId: string, content: string): void {
    this.#push({ role: 'tool', toolCallId, content });
  }

  countTokens(messages: readonly ChatMessage[]): number {
    return messages.reduce((sum, m) => sum + this.#tokensOf(m), 0) + this.#toolTokens;
  }

  /**
   * The request for this turn, or why there is none: the context cannot be fitted, or it would take the call past its
   * token limit (`used` so far + this request, counted with the model's tokenizer before it is sent, never after).
   */
  requestWithin(maxCallTokens: number | undefined, used: number): { messages: ChatMessage[] } | { refused: Error; limitReached: boolean } {
    let messages: ChatMessage[];
    try {
      messages = this.forRequest();
    } catch (error) {
      return { refused: error as Error, limitReached: false };
    }
    if (maxCallTokens !== undefined && used + this.countTokens(messages) > maxCallTokens) {
      return { refused: new Error(`call token limit reached (${used} used of ${maxCallTokens}): answering without the LLM`), limitReached: true };
    }
    return { messages };
  }

  /** What to send now: the system prompt, a summary of what no longer fits, and the most recent messages. */
  forRequest(): ChatMessage[] {
    const [system, ...rest] = this.#messages;
    const units = groupUnits(rest);
    const available = this.#options.maxTokens - this.#reservedTokens;
    const costs = units.map((unit) => unit.reduce((sum, m) => sum + this.#tokensOf(m), 0));
    if (costs.reduce((a, b) => a + b, 0) <= available) return [system, ...units.flat()];
    // Over budget: the summary of what is dropped gets a share; the most recent messages get the rest.
    let budget = available - Math.floor(available * SUMMARY_SHARE);
    let keepFrom = units.length;
    while (keepFrom > 0 && costs[keepFrom - 1] <= budget) budget -= costs[--keepFrom];
    if (keepFrom === units.length) {
      // Even the latest message alone is over budget: keep its end (the words just said), never drop it.
      const latest = units.at(-1)!;
      return [system, truncateFront(latest[latest.length - 1], available - PER_MESSAGE_TOKENS)];
    }
    const dropped = units.slice(0, keepFrom).flat();
    this.stats.prunedMessages = dropped.length;
    const summary = summarize(dropped, budget + Math.floor(available * SUMMARY_SHARE) - PER_MESSAGE_TOKENS);
    const kept = units.slice(keepFrom).flat();
    if (!summary) return [system, ...kept];
    this.stats.summarized = dropped.length;
    return [system, { role: 'system', content: summary }, ...kept];
  }

  #push(message: ChatMessage): void {
    this.#messages.push(message);
    this.#changed();
  }

  #changed(): void {
    this.onChange?.(this.#messages);
  }

  #tokensOf(message: ChatMessage): number {
    let tokens = this.#tokens.get(message);
    if (tokens === undefined) {
      const calls = message.role === 'assistant' ? (message.toolCalls ?? []).map((c) => `${c.name}${c.argumentsJson}`).join('') : '';
      // A system message (the prompt, or the prompt with a language note) is the same in every call of an agent.
      const content = message.role === 'system' ? sharedTokenCount(message.content) : countTokens(message.content);
      tokens = content + (calls ? countTokens(calls) : 0) + PER_MESSAGE_TOKENS;
      this.#tokens.set(message, tokens);
    }
    return tokens;
  }
}

/** Messages in units that must be kept or dropped whole: an assistant tool-call message with its tool results. */
function groupUnits(messages: ChatMessage[]): ChatMessage[][] {
  const units: ChatMessage[][] = [];
  for (const message of messages) {
    if (message.role === 'tool' && units.length && units.at(-1)!.some((m) => m.role === 'assistant' && m.toolCalls?.some((c) => c.id === message.toolCallId))) {
      units.at(-1)!.push(message);
    } else if (message.role === 'tool') {
      continue; // a result whose call is not in the history: sending it alone would be rejected by the provider
    } else {
      units.push([message]);
    }
  }
  return units;
}

/** One line per dropped message (its first sentence), trimmed from the oldest until it fits `budgetTokens`. */
function summarize(dropped: ChatMessage[], budgetTokens: number): string | null {
  const lines = dropped.map((m) => {
    if (m.role === 'assistant' && m.toolCalls?.length) return `you called ${m.toolCalls.map((c) => c.name).join(', ')}`;
    const first = (/^.*?[.!?](\s|$)/.exec(m.content)?.[0] ?? m.content).trim().slice(0, SUMMARY_LINE_CHARS);
    if (m.role === 'tool') return `a tool returned ${first}`;
    return `${m.role === 'user' ? 'caller' : m.role === 'assistant' ? 'you' : 'note'}: ${first}`;
  });
  const prefix = 'Earlier in this call (summarised): ';
  // Count each line once (a separator is about one token), then drop the oldest until the rest fits.
  const [prefixTokens, ...lineTokens] = countTokensOfEach([prefix, ...lines]); // one hand-off to the tokenizer thread
  const costs = lineTokens.map((tokens) => tokens + 1);
  let total = prefixTokens + PER_MESSAGE_TOKENS + costs.reduce((a, b) => a + b, 0);
  let first = 0;
  while (first < lines.length && total > budgetTokens) total -= costs[first++];
  if (first === lines.length) return null;
  const text = `${prefix}${lines.slice(first).join('; ')}`;
  // Token counts of joined text can differ by a token or two from the sum of its parts: check, and trim if needed.
  return countTokens(text) + PER_MESSAGE_TOKENS <= budgetTokens || first + 1 >= lines.length ? text : `${prefix}${lines.slice(first + 1).join('; ')}`;
}

function truncateFront(message: ChatMessage, budgetTokens: number): ChatMessage {
  let content = message.content;
  while (content.length > 0 && countTokens(content) > budgetTokens) content = content.slice(Math.max(1, Math.floor(content.length * 0.1)));
  return { ...message, content } as ChatMessage;
}
