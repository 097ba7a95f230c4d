export { runInLab, prepareLab, type LabRunOptions, type LabRunResult } from './vm.js';
export { ensureKernel, labCacheDir, kernelPackageName, type LabKernel } from './kernel.js';
export { ensureHostPackages, missingNeeds, findCommand, LAB_NEEDS, type HostNeed } from './host.js';
export { buildCpio, type CpioEntry } from './cpio.js';
export { parseModulesDep, moduleLoadOrder } from './modules.js';
export { Isp, type IspLineOptions } from './isp.js';
export { iperfUpload, ISP_HOST, type UploadResult } from './iperf.js';
export { sh } from './shell.js';
