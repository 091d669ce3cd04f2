// What the agent says in a call: the conversation context, the LLM request for each caller turn (with its tools and
// fillers), fixed lines (greeting, notices), and what an interruption leaves of a reply. The AgentSpeaker does the
// speaking; this decides what is said and what the context keeps of it. Tool requests to hang up or transfer wait
// until the reply has played.
import type { AgentConfig } from '../agents/types.ts';
import type { ChatMessage, LlmClient, TtsSession } from '../providers/types.ts';
import { VoiceSwitchingTts } from '../providers/voice-switching-tts.ts';
import { languageNote, voiceFor, type LanguageSwitch } from './call-language.ts';
import type { Logger } from '../util/log.ts';
import { AgentSpeaker, type SpeakerHooks } from './agent-speaker.ts';
import type { CallEvents, EndReason } from './call-events.ts';
import { CallContext, type ContextMark } from './call-context.ts';
import { buildCallTools, type CallTools } from './call-tools.ts';
import { historyKeeper, type HistoryStore } from './history-store.ts';
import type { PendingInterruption } from './interruption.ts';
import type { Pacer } from './pacer.ts';
import type { Reply } from './reply.ts';
import type { LlmUsage } from './usage-meter.ts';
import type { CarrierOutput } from '../transports/types.ts';

const MAX_TOOL_ROUNDS = 4;

export type AfterReply = { kind: 'hangup'; reason: string; endReason?: EndReason } | { kind: 'transfer'; target: string };

export interface AgentRepliesOptions {
  callId: string;
  agent: AgentConfig;
  llm: LlmClient;
  output: CarrierOutput;
  pacer: Pacer;
  log: Logger;
  speakerHooks: SpeakerHooks;
  history?: { store: HistoryStore; tenantId: string; resumeFrom?: ChatMessage[] };
  fillerAfterMs?: number;
  emit<K extends keyof CallEvents>(event: K, payload: CallEvents[K]): void;
  /** The agent's audio is (not) audible: the caller side's barge-in detection and echo reference follow it. */
  agentSpeaking(on: boolean): void;
  /** A reply begins (before anything of it is spoken); `callerSpeechEndMs` is null when the agent speaks first. */
  replyStarted(callerSpeechEndMs: number | null): void;
  providerError(stage: 'llm' | 'tts', error: Error, recovered: boolean): void;
}

export class AgentReplies {
  readonly speaker: AgentSpeaker;
  readonly #options: AgentRepliesOptions;
  readonly #context: CallContext;
  readonly #tools: CallTools;
  #lastCallerTurnText = '';
  /** The caller went on after we had taken their turn: the next words extend it instead of starting a new one. */
  #continuing = false;
  /** What end_call or transfer_call asked for: done once the reply's audio has played. */
  #afterReply: AfterReply | null = null;
  #fillerIndex = 0;
  #saveHistory: ((ended: boolean) => void) | null = null;
  /** The reply prepared before the caller's turn was confirmed, and what to undo if it never is. */
  #speculation: Speculation | null = null;
  /** LLM tokens of speculative replies that were never confirmed: paid for, never heard. */
  readonly #wasted = { requests: 0, inputTokens: 0, outputTokens: 0 };

  constructor(options: AgentRepliesOptions) {
    this.#options = options;
    const { agent } = options;
    this.speaker = new AgentSpeaker({ output: options.output, pacer: options.pacer, log: options.log, hooks: options.speakerHooks });
    this.#tools = buildCallTools(agent, {
      hangup: (reason) => { this.#afterReply = { kind: 'hangup', reason }; },
      transfer: (target) => { this.#afterReply = { kind: 'transfer', target }; },
    });
    this.#context = new CallContext(
      { systemPrompt: agent.systemPrompt, tools: this.#tools.registry.definitions(), maxTokens: agent.contextTokens ?? 6000 },
      options.history?.resumeFrom,
    );
    if (options.history) {
      this.#saveHistory = historyKeeper(options.history, { callId: options.callId, agentId: agent.id }, () => this.#context.messages, options.log);
      this.#context.onChange = () => this.#saveHistory?.(false);
    }
  }

  get context(): CallContext {
    return this.#context;
  }

  /** The caller's words of the turn the reply now playing answers (empty for the greeting). */
  get lastCallerTurnText(): string {
    return this.#lastCallerTurnText;
  }

  /**
   * The caller's turn ended: answer it (an LLM reply, or the agent's fallback line when over its token budget). A
   * reply prepared on the same words plays at once; one prepared on other words is cancelled unheard.
   */
  answer(text: string, speechEndMs: number): Reply {
    const speculation = this.#speculation;
    this.#speculation = null;
    if (speculation && speculation.text === text && this.speaker.confirm(speechEndMs)) {
      this.#options.emit('speculativeReply', { outcome: 'played', reason: 'turn confirmed on the same words', text, startedMs: speculation.startedMs, decidedMs: performance.now() });
      this.#options.replyStarted(speechEndMs);
      return speculation.reply;
    }
    if (speculation) this.#withdraw(speculation, 'the confirmed words differ');
    this.#addTurn(text);
    const { agent } = this.#options;
    const request = this.#context.requestWithin(agent.maxCallTokens, this.speaker.usage.llmTokens);
    if ('refused' in request) {
      this.#options.providerError('llm', request.refused, request.limitReached);
      const reply = this.#start(speechEndMs);
      reply.speakText(agent.fallbackReply);
      return reply;
    }
    return this.#generate(this.#start(speechEndMs), request.messages);
  }

  /**
   * The caller's turn may be over on `text` (not confirmed yet): the LLM request and the first sentences' TTS start
   * now, their audio held and their tools waiting, so that a confirmed turn is answered without waiting for them.
   */
  speculate(text: string): void {
    if (this.#speculation?.text === text) return;
    this.withdrawSpeculation('the words changed');
    const undo = { context: this.#context.mark(), continuing: this.#continuing, lastCallerTurnText: this.#lastCallerTurnText };
    this.#addTurn(text);
    const { agent } = this.#options;
    const request = this.#context.requestWithin(agent.maxCallTokens, this.speaker.usage.llmTokens);
    if ('refused' in request) {
      this.#undo(undo); // the confirmed turn reports it, and answers with the fallback line
      return;
    }
    const speculation: Speculation = { text, reply: null!, startedMs: performance.now(), undo, inputTokens: 0, outputTokens: 0, withdrawn: false };
    speculation.reply = this.#start(null, (usage) => this.#countSpeculative(speculation, usage));
    this.#speculation = speculation;
    this.#generate(speculation.reply, request.messages);
  }

  /** The caller goes on (or the words changed): the prepared reply is cancelled, never heard, and the turn undone. */
  withdrawSpeculation(reason: string): void {
    const speculation = this.#speculation;
    this.#speculation = null;
    if (speculation) this.#withdraw(speculation, reason);
  }

  /** LLM usage of speculative replies that were cancelled (their tokens are in the call's totals too). */
  get wastedSpeculation(): { requests: number; inputTokens: number; outputTokens: number } {
    return { ...this.#wasted };
  }

  #addTurn(text: string): void {
    if (this.#continuing) this.#context.extendLastUser(text);
    else this.#context.addUser(text);
    this.#continuing = false;
    const last = this.#context.messages.at(-1);
    this.#lastCallerTurnText = last?.role === 'user' ? last.content : text;
  }

  #withdraw(speculation: Speculation, reason: string): void {
    if (this.speaker.reply === speculation.reply) this.speaker.interrupt();
    else speculation.reply.cancel();
    this.#undo(speculation.undo);
    // What it used so far is wasted; usage reported after the cancel (an aborted stream still reports it) too.
    speculation.withdrawn = true;
    this.#wasted.requests++;
    this.#wasted.inputTokens += speculation.inputTokens;
    this.#wasted.outputTokens += speculation.outputTokens;
    this.#options.emit('speculativeReply', { outcome: 'cancelled', reason, text: speculation.text, startedMs: speculation.startedMs, decidedMs: performance.now() });
  }

  #undo(undo: Speculation['undo']): void {
    this.#context.rollback(undo.context);
    this.#continuing = undo.continuing;
    this.#lastCallerTurnText = undo.lastCallerTurnText;
  }

  #generate(reply: Reply, messages: ChatMessage[]): Reply {
    const { agent, llm } = this.#options;
    void reply.generate(llm, messages, { model: agent.llm.model, temperature: agent.llm.temperature }, {
      registry: this.#tools.registry, dependsOn: this.#tools.dependsOn, callId: this.#options.callId, maxRounds: MAX_TOOL_ROUNDS,
      fillerAfterMs: this.#options.fillerAfterMs ?? 700,
      filler: () => (agent.fillers.length ? agent.fillers[this.#fillerIndex++ % agent.fillers.length] : null),
    });
    return reply;
  }

  /** The caller speaks another of the agent's languages: the next reply is in it, in that language's voice. */
  followLanguage(change: LanguageSwitch, tts: TtsSession | null): void {
    const voice = voiceFor(this.#options.agent, change.to);
    if (tts instanceof VoiceSwitchingTts && voice) tts.setVoice(voice);
    else this.#options.log.warn({ language: change.to }, 'no voice for the language: the agent answers in it with its current voice');
    this.#context.setStandingNote(languageNote(change));
    this.#options.emit('languageChanged', { ...change, voice: voice ?? '' });
  }

  /** The last line of the call: whatever is playing stops, `text` is said, then the call ends with `endReason`. */
  sayLast(text: string, endReason: EndReason, detail: string): void {
    this.speaker.interrupt();
    this.speakFixed(text);
    this.#afterReply = { kind: 'hangup', reason: detail, endReason };
  }

  /** A line the agent says as it is (greeting, notices): no LLM. */
  speakFixed(text: string): Reply {
    const reply = this.#start(null);
    reply.speakText(text);
    return reply;
  }

  /** The carrier played up to `mark`: the reply that ended there, kept in the context, and what was to follow it. */
  played(mark: string): { reply: Reply; after: AfterReply | null } | null {
    const reply = this.speaker.played(mark);
    if (!reply) return null;
    this.#keepInContext(reply, reply.text);
    this.#options.emit('agentSpeech', { text: reply.text, interrupted: false });
    const after = this.#afterReply;
    this.#afterReply = null;
    return { reply, after };
  }

  /** Silence the agent at once: the carrier drops what it buffered, the queue stops, and nothing is lost yet. */
  pause(leadMs: number): void {
    this.speaker.pause(leadMs);
    this.#options.agentSpeaking(false);
  }

  /** The caller's sound was a backchannel or noise: the reply goes on where it paused (or back to full voice). */
  resume(pending: PendingInterruption, kind: 'backchannel' | 'noise'): void {
    if (pending.ducked) this.speaker.duck(false);
    else this.speaker.resume();
    if (this.speaker.firstAudioMs !== 0) this.#options.agentSpeaking(true);
    this.#options.emit('falseInterruption', { onsetMs: pending.onsetMs, pausedMs: pending.pausedMs, resumedMs: performance.now(), callerText: pending.text, kind, audio: pending.audio, ducked: pending.ducked });
  }

  /** The caller has the turn: cancel the reply (LLM, tools, TTS) and keep in the context only what was heard. */
  interrupt(pending: PendingInterruption, cause: string): void {
    this.#afterReply = null; // the caller cut in: they are not done yet
    const interrupted = this.speaker.interrupt();
    if (interrupted && pending.kind === 'barge-in') {
      this.#keepInContext(interrupted.reply, interrupted.heard);
      this.#options.emit('agentSpeech', { text: interrupted.heard, interrupted: true });
      this.#options.emit('bargeIn', { onsetMs: pending.onsetMs, stoppedMs: pending.pausedMs, committedMs: performance.now(), cause, playedText: interrupted.heard, audio: pending.audio });
    } else if (interrupted) {
      // Nothing was audible yet: the caller's words continue their own turn.
      this.#keepInContext(interrupted.reply, '');
      this.#continuing = interrupted.reply.toolExchanges.length === 0;
    }
  }

  /** The call ended: the conversation is saved a last time. */
  saveFinal(): void {
    this.#saveHistory?.(true);
  }

  /** `speculativeUsage`: the reply is speculative, and its LLM usage is also counted there. */
  #start(callerSpeechEndMs: number | null, speculativeUsage?: (usage: LlmUsage) => void): Reply {
    const speculative = speculativeUsage !== undefined;
    const reply = this.speaker.start(callerSpeechEndMs, {
      onError: (stage, error) => this.#options.providerError(stage, error, false),
      onToolCall: (call) => this.#options.emit('toolCall', { ref: call.id, name: call.name, argumentsJson: call.argumentsJson }),
      onToolResult: (o) => this.#options.emit('toolResult', { ref: o.id, name: o.name, ok: o.ok, resultJson: JSON.stringify(o.ok ? o.result : o.error) ?? 'null', durationMs: o.durationMs }),
      onFailover: (change) => this.#options.emit('failover', { stage: 'llm', ...change }),
      onLlmUsage: speculativeUsage,
    }, speculative);
    if (!speculative) this.#options.replyStarted(callerSpeechEndMs);
    return reply;
  }

  #countSpeculative(speculation: Speculation, usage: LlmUsage): void {
    speculation.inputTokens += usage.inputTokens;
    speculation.outputTokens += usage.outputTokens;
    if (!speculation.withdrawn) return;
    this.#wasted.inputTokens += usage.inputTokens;
    this.#wasted.outputTokens += usage.outputTokens;
  }

  #keepInContext(reply: Reply, spokenText: string): void {
    for (const message of reply.toolExchanges) {
      if (message.role === 'assistant') this.#context.addAssistant(message.content, message.toolCalls);
      else if (message.role === 'tool') this.#context.addToolResult(message.toolCallId, message.content);
    }
    if (spokenText) this.#context.addAssistant(spokenText);
  }
}

interface Speculation {
  text: string;
  reply: Reply;
  startedMs: number;
  undo: { context: ContextMark; continuing: boolean; lastCallerTurnText: string };
  inputTokens: number;
  outputTokens: number;
  withdrawn: boolean;
}
