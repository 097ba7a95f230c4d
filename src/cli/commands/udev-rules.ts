/**
 * `dialbond udev-rules`: prints the udev rule that keeps ModemManager off the modems of a
 * configuration (ID_MM_DEVICE_IGNORE), to be saved in /etc/udev/rules.d.
 * Exit status: 0 printed; 2 the configuration is unreadable or invalid.
 */
import type { Command } from 'commander';
import { isModemLink, loadConfig } from '../../config/index.js';
import { udevRules, UDEV_RULES_FILE } from '../../modem/udev-rules.js';

export function registerUdevRules(program: Command): void {
  program
    .command('udev-rules')
    .description(`print a udev rule that makes ModemManager leave the configured modems alone (save it as ${UDEV_RULES_FILE})`)
    .option('-c, --config <file>', 'the YAML configuration', '/etc/dialbond/dialbond.yaml')
    .action((options: { config: string }) => {
      const { config } = loadConfig(options.config);
      const modems = config.links.filter(isModemLink).map((link) => ({ name: link.name, ...(link.device !== undefined ? { device: link.device } : {}), ...(link.match ? { match: link.match } : {}) }));
      process.stdout.write(udevRules(modems, options.config));
    });
}
