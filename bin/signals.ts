// Resolves on the first SIGINT or SIGTERM, so a command can shut down in order.
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Calls `reload` on every SIGHUP until the returned function is called. Any SIGHUP listener also stops Node's default
 * for the signal, which is to exit: a reload must never end the calls in progress.
 */
function onReloadSignal(reload: () => void): () => void {
  const onHangup = () => reload();
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

/**
 * From now until the command is ready, a SIGHUP (whose default is to exit) is only remembered: a reload sent to every
 * Invorto process must not end one that is still starting (a pool's worker that died so would never be replaced).
 * `ready(reload)` installs the command's handler and runs it once if a SIGHUP came while it started.
 */
export function holdReloadSignals(): (reload: () => void) => () => void {
  let missed = false;
  const stopHolding = onReloadSignal(() => { missed = true; });
  return (reload) => {
    const off = onReloadSignal(reload);
    stopHolding();
    if (missed) reload();
    return off;
  };
}
