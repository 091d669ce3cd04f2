// The live hub on its own: browsers watching one call share one subscription (the sources hear one watch and one
// unwatch), every watcher gets each message, serialized once, and a message naming another tenant reaches no one.
import { describe, expect, it } from 'vitest';
import { LiveHub, type LiveSource, type LiveWatcher } from '../src/modules/live/live-hub.ts';

function recordingSource(): LiveSource & { log: string[] } {
  const log: string[] = [];
  return { log, watch: (callId, tenantId) => void log.push(`watch ${callId} ${tenantId}`), unwatch: (callId) => void log.push(`unwatch ${callId}`), close: async () => {} };
}

const watcher = (tenantId: string): LiveWatcher & { got: string[] } => {
  const got: string[] = [];
  return { tenantId, got, send: (text) => void got.push(text) };
};

describe('LiveHub', () => {
  it('shares one subscription among the watchers of a call and lets it go with the last', () => {
    const hub = new LiveHub();
    const source = recordingSource();
    hub.addSource(source);
    const [a, b] = [watcher('t1'), watcher('t1')];
    hub.watch('c1', a);
    hub.watch('c1', b);
    hub.deliver({ type: 'levels', callId: 'c1', tenantId: 't1', callerDb: -20 });
    expect(a.got).toEqual(['{"type":"levels","callId":"c1","callerDb":-20}']);
    expect(b.got).toEqual(a.got);
    hub.unwatch('c1', a);
    expect(source.log).toEqual(['watch c1 t1']);
    hub.unwatch('c1', b);
    expect(source.log).toEqual(['watch c1 t1', 'unwatch c1']);
  });

  it("drops a message naming another tenant than the watched call's, and one for a call nobody watches", () => {
    const hub = new LiveHub();
    const a = watcher('t1');
    hub.watch('c1', a);
    hub.deliver({ type: 'transcript', callId: 'c1', tenantId: 't2', text: 'not yours' });
    hub.deliver({ type: 'transcript', callId: 'c2', tenantId: 't1', text: 'not watched' });
    expect(a.got).toEqual([]);
    expect(hub.stats).toEqual({ delivered: 0, refused: 1 });
  });

  it('tells a source that joins late every call watched now, and ends the watch when the call ends', () => {
    const hub = new LiveHub();
    const a = watcher('t1');
    hub.watch('c1', a);
    const late = recordingSource();
    hub.addSource(late);
    expect(late.log).toEqual(['watch c1 t1']);
    hub.deliver({ type: 'ended', callId: 'c1', tenantId: 't1', reason: 'caller_hangup' });
    expect(a.got).toHaveLength(1);
    expect(late.log).toEqual(['watch c1 t1', 'unwatch c1']);
    expect(hub.watched()).toEqual([]);
  });
});
