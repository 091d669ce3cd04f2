export { ControlDb } from './db.ts';
export { ControlServer, type ControlServerOptions } from './http-server.ts';
export { startControl, controlOptions, type RunningControl } from './start-control.ts';
