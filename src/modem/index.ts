export { modemMachine, type ModemMachine, type ModemEvent, type ModemEmitted, type ModemPhase, type ModemSessionOutput } from './machine.js';
export { createModemActors } from './actors.js';
export { buildModemPlan, type ModemPlan, type PlanOptions, type PlanStep, type PlanLoginStep } from './plan.js';
export { type DialResult, type ModemOutcome, dialOutcomeOf, dialResultOf } from './outcome.js';
export { type ModemIo, type PortEvent } from './io.js';
export { SerialModemIo, openError, type SerialIoOptions } from './serial-io.js';
export { acquireDeviceLock, releaseAllLocks, lockFileName, lockOwner, parseLockPid, formatLockPid, pidAlive, defaultLockDir, type DeviceLock, type LockOptions } from './lock.js';
export { runDialSession, dialAndHold, type DialSessionOptions, type DialReport, type HeldLine } from './session.js';
export { atExchange, type AtExchangeOptions, type AtAnswer } from './terminal.js';
