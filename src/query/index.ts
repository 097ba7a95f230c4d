export { listPppInterfaces, readPppInterface, parseIpAddr, pppInterfaceOf, processStartMs, type PppInterface, type InterfaceReader } from './interfaces.js';
export { formatBytes, formatRate, shareBar, formatDurationShort, table, formatInfo, trafficOf, formatLinks, formatStatus, formatEvent, type LinkTraffic } from './format.js';
export { formatLinkDetail, nextDialText, transcriptLine } from './link-detail.js';
