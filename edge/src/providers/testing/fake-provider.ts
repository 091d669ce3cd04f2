// What the fake ASR and TTS providers share: a test scripts their opens to fail, and reads back every session they
// opened (the last one is the engine serving now).
export abstract class FakeProvider<S> {
  readonly sessions: S[] = [];
  #failOpen: Error | null = null;

  /** The next opens fail with `error` (null: they succeed again). */
  failOpens(error: Error | null): void {
    this.#failOpen = error;
  }

  get last(): S | undefined {
    return this.sessions.at(-1);
  }

  /** Throws the scripted open failure, if any, before `create` runs; else keeps the new session. */
  protected record(create: () => S): S {
    if (this.#failOpen) throw this.#failOpen;
    const session = create();
    this.sessions.push(session);
    return session;
  }
}
