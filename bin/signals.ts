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
export function onReloadSignal(reload: () => void): () => void {
  const onHangup = () => reload();
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}
