import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore, type CallHistoryRecord } from '../src/runtime/history-store.ts';

const dirs: string[] = [];
function store() {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-history-'));
  dirs.push(dir);
  return { dir, store: new HistoryStore(dir) };
}
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

const record = (callId: string, turns: number): CallHistoryRecord => ({
  callId, tenantId: 't1', agentId: 'demo', updatedAt: new Date(0).toISOString(), ended: false,
  messages: [{ role: 'system', content: 'P' }, ...Array.from({ length: turns }, (_, i) => ({ role: 'user' as const, content: `turn ${i}` }))],
});

describe('HistoryStore', () => {
  it('round-trips a call\'s record, and a second store over the same folder reads it', async () => {
    const { dir, store: a } = store();
    a.save(record('call-1', 3));
    await a.flush('call-1');
    expect(new HistoryStore(dir).load('call-1')).toEqual(record('call-1', 3));
    expect(a.load('unknown-call')).toBeNull();
  });

  it('coalesces a burst of saves into one write, serving the latest meanwhile', async () => {
    const { store: s } = store();
    for (let i = 1; i <= 100; i++) s.save(record('call-2', i));
    expect(s.load('call-2')?.messages).toHaveLength(101);
    expect(s.writes).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(s.writes).toBe(1);
    await s.close();
    expect(s.writes).toBe(1);
  });

  it('a turn (the caller\'s words, then the reply half a second later) is one write', async () => {
    const { dir, store: s } = store();
    s.save(record('call-turn', 1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    s.save(record('call-turn', 2));
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(s.writes).toBe(1);
    expect(new HistoryStore(dir).load('call-turn')).toEqual(record('call-turn', 2));
    await s.close();
  });

  it('writes atomically: no temporary file is left, close() flushes what is pending', async () => {
    const { dir, store: s } = store();
    s.save(record('call-3', 1));
    await s.close();
    expect(readdirSync(dir)).toEqual(['call-3.json']);
  });

  it('keeps any carrier\'s call id (SIP ids have "@") without letting one become a path, and names a corrupt file', async () => {
    const { dir, store: s } = store();
    for (const id of ['1-19309@127.0.0.1', '../../etc/passwd', 'a/b', '..', 'fuz\u0000-448']) {
      s.save(record(id, 1));
      await s.flush(id);
      expect(s.load(id)?.callId).toBe(id);
    }
    expect(readdirSync(dir).every((name) => !name.includes('/') && name !== '..' && name.endsWith('.json'))).toBe(true);
    expect(() => s.load('')).toThrow(/a call id must be 1-256 characters/);
    writeFileSync(join(dir, 'broken.json'), '{"callId": "bro');
    expect(() => s.load('broken')).toThrow(/history of call "broken" is unreadable/);
  });

  it('keeps the newest record when saves arrive while a write is in progress, and reports a failed write', async () => {
    const { dir, store: s } = store();
    s.save(record('call-4', 1));
    const first = s.flush('call-4');
    s.save(record('call-4', 5)); // during the first write
    await Promise.all([first, s.flush('call-4')]);
    expect(new HistoryStore(dir).load('call-4')?.messages).toHaveLength(6);
    const errors: string[] = [];
    const broken = new HistoryStore(dir, (callId, error) => errors.push(`${callId}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    rmSync(dir, { recursive: true, force: true }); // the folder is gone: the write fails, the caller is not told
    broken.save(record('call-5', 1));
    await broken.flush();
    expect(errors).toEqual(['call-5: ENOENT']);
  });
});

