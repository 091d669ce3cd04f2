// Files the edge writes while calls run (call histories, cached phrases) are replaced whole: a temporary file renamed
// over the real one, so a crash leaves the previous version, never half a file.
import { rename, writeFile } from 'node:fs';

/**
 * Writes `temporary` and renames it over `file`, with the callback API: fs/promises' FileHandle costs the event loop
 * several times more per file (its own object, a promise per step and a close), at tens of files a second.
 */
export function writeThenRename(temporary: string, file: string, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    writeFile(temporary, data, (writeError) => {
      if (writeError) reject(writeError);
      else rename(temporary, file, (renameError) => (renameError ? reject(renameError) : resolve()));
    });
  });
}
