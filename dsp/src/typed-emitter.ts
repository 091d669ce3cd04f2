// A minimal typed event emitter: event names and payload types come from one map, so a typo is a compile error.
// It lives in dsp (which imports nothing) so every package can use the one implementation.
export type Listener<T> = (event: T) => void;

export class TypedEmitter<Events extends Record<string, unknown>> {
  #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    (this.#listeners[name] ??= []).push(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners[name];
    if (!list) return;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
  }

  protected emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const list = this.#listeners[name];
    if (!list) return;
    for (const listener of list.slice()) listener(event);
  }

  removeAllListeners(): void {
    this.#listeners = {};
  }
}
