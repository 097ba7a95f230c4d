/** The lab's ISP lives with the lab itself (the daemon demo uses it too). */
export { Isp, type IspLineOptions } from '../../../src/lab/isp.js';
