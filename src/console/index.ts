export { runConsole, type ConsoleOptions } from './app.js';
export { RateTracker, sparkline, balance, linkRows, rowLine, headerLine, eventLine, HELP, HISTORY, type LinkRates, type LinkRow, type BalanceSegment } from './view-model.js';
