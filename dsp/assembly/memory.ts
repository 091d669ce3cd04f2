// Buffers are allocated once per call by the host and freed at teardown; the stub runtime never collects.
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
