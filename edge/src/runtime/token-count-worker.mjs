// The tokenizer's thread (see token-count.ts): waits on the shared control block, counts with o200k_base the texts
// the main thread left in the shared buffer (each as a 4-byte length and its UTF-8 bytes), and wakes it with each count
// and their sum. Plain JavaScript, so it runs without the tsx loader.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

const { control, port, slots } = workerData;
let text = Buffer.from(workerData.data);
/** Special-token text ("<|endoftext|>") in what a caller or the model said is ordinary text, as the API counts it. */
const asText = { disallowedSpecial: new Set() };

Atomics.store(control, slots.ready, 1);
Atomics.notify(control, slots.ready);
for (;;) {
  // Sleep until a request: on whatever state is there now (done, until the main thread takes the answer; idle), so
  // this thread never spins, and a wake-up without a request sleeps again.
  for (let state; (state = Atomics.load(control, slots.state)) !== slots.request;) Atomics.wait(control, slots.state, state);
  const resized = receiveMessageOnPort(port); // a text longer than the buffer came with a larger one
  if (resized) text = Buffer.from(resized.message);
  let done = slots.done;
  try {
    const counts = [];
    for (let i = 0, offset = 0, texts = control[slots.value]; i < texts; i++) {
      const length = text.readUInt32LE(offset);
      counts.push(countTokens(text.toString('utf8', offset + 4, offset + 4 + length), asText));
      offset += 4 + length;
    }
    // Each count over the start of the buffer (every text took at least 4 bytes there, and all are read), and the sum.
    counts.forEach((count, i) => text.writeUInt32LE(count, 4 * i));
    control[slots.value] = counts.reduce((sum, count) => sum + count, 0);
  } catch {
    done = slots.failed;
  }
  Atomics.store(control, slots.state, done);
  Atomics.notify(control, slots.state);
}
