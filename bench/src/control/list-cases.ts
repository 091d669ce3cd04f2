// What the list benchmark asks: the same calls in both servers; the hand-written server only had `?limit=`.
export interface ListCase {
  name: string;
  /** The query of the first page. */
  query: string;
  /** Pages walked by cursor per timed run (1: the first page only). */
  pages: number;
  /** The same question put to the hand-written server, when it could answer it. */
  oldQuery?: string;
}

export const LIST_CASES: ListCase[] = [
  { name: 'newest 50, no filter', query: 'limit=50', pages: 1, oldQuery: 'limit=50' },
  { name: 'agent + outcome + min duration, page 1', query: 'agent=sales&outcome=transferred&minDurationS=60&limit=50', pages: 1 },
  { name: 'agent + outcome + min duration, pages 1-10 (per page)', query: 'agent=sales&outcome=transferred&minDurationS=60&limit=50', pages: 10 },
  { name: 'one day (date range) + agent', query: 'agent=support&from=2026-10-20T00:00:00Z&to=2026-10-21T00:00:00Z&limit=50', pages: 1 },
  { name: 'text in transcript (q=refund) + agent', query: 'q=refund&agent=billing&limit=50', pages: 1 },
  { name: 'longest first (sort=durationS desc)', query: 'sort=durationS&order=desc&limit=50', pages: 1 },
];
