// Buffers are allocated once per call by the host and freed at teardown. The "minimal" runtime gives heap.free
// a real allocator (TLSF); the "stub" runtime would only bump, and a long-running edge would leak per call.
export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
