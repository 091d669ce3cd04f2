// Streams LLM text into speakable sentences: TTS starts on the first sentence while the LLM is still writing.
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'no', 'approx']);

export class SentenceChunker {
  #buffer = '';

  /** Adds streamed text; returns the sentences it completed. */
  push(text: string): string[] {
    this.#buffer += text;
    const sentences: string[] = [];
    let start = 0;
    const re = /[.!?]+["')\]]*(?=\s)|\n+/g;
    for (let match = re.exec(this.#buffer); match; match = re.exec(this.#buffer)) {
      const end = match.index + match[0].length;
      const candidate = this.#buffer.slice(start, end).trim();
      const lastWord = /([A-Za-z.]+)[.]$/.exec(candidate)?.[1]?.toLowerCase();
      if (lastWord && ABBREVIATIONS.has(lastWord.replace(/\.$/, ''))) continue;
      if (/\d[.]$/.test(candidate) && /^\s*\d/.test(this.#buffer.slice(end))) continue; // "3.5" split across chunks
      if (candidate) sentences.push(candidate);
      start = end;
    }
    this.#buffer = this.#buffer.slice(start);
    return sentences;
  }

  /** The rest, when the stream ends. */
  flush(): string[] {
    const rest = this.#buffer.trim();
    this.#buffer = '';
    return rest ? [rest] : [];
  }
}
