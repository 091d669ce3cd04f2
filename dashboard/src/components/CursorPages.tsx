// Cursor pagination for the API's lists. A page's answer names only the cursor of the next page, so going back
// needs the cursors of the pages before this one: they are kept as a stack, the first page's cursor undefined.
import { useState } from 'react';
import { Box, Button } from '@mui/material';

export interface CursorPages {
  /** The cursor of the page shown: pass it to the list query (undefined for the first page). */
  cursor: string | undefined;
  hasPrevious: boolean;
  previous: () => void;
  next: (cursor: string | undefined) => void;
  /** Back to the first page: the list's search or filters changed, so the cursors kept no longer apply. */
  reset: () => void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    hasPrevious: cursors.length > 1,
    previous: () => setCursors((c) => c.slice(0, -1)),
    next: (cursor) => setCursors((c) => [...c, cursor]),
    reset: () => setCursors([undefined]),
  };
}

/** Previous and Next buttons under a list; Next is off when the last answer named no next page. */
export function PageButtons({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  return (
    <Box sx={{ display: 'flex', gap: 1, mt: 2 }}>
      <Button disabled={!pages.hasPrevious} onClick={pages.previous}>Previous page</Button>
      <Button disabled={!nextCursor} onClick={() => pages.next(nextCursor ?? undefined)}>Next page</Button>
    </Box>
  );
}
