/**
 * Another program holding a serial port open without a UUCP lock, as ModemManager does:
 * a node process that opens the port (O_NONBLOCK, so no carrier is waited for) and keeps
 * it until killed. Started through a link named `name`, it is that to /proc/PID/comm, so
 * "ModemManager" looks to dialbond as the real daemon does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOLD = `const fs = require('fs'); const c = fs.constants; fs.openSync(process.argv[1], c.O_RDWR | c.O_NOCTTY | c.O_NONBLOCK); process.stdout.write('held\\n'); setInterval(() => {}, 1 << 30);`;

export class PortHolderProcess {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid as number;
  }

  static async hold(device: string, name = 'porthold'): Promise<PortHolderProcess> {
    const exe = join(mkdtempSync(join(tmpdir(), 'dialbond-holder-')), name);
    symlinkSync(process.execPath, exe);
    const child = spawn(exe, ['-e', HOLD, device], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} could not hold ${device} (exit ${code})`)));
      child.stdout!.once('data', () => resolve());
    });
    return new PortHolderProcess(child);
  }

  async release(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }
}
