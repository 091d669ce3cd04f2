export { startControl, controlOptions, type RunningControl } from './start-control.ts';
