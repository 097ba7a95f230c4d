import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own
 * summary, so any tool reading the end of the log sees the counts without knowing vitest.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    this.line = this.count(modules);
  }

  private line = '';

  onFinished(): void {
    // vitest prints its own summary after onTestRunEnd; wait for it to close the log.
    process.once('exit', () => process.stdout.write(this.line));
  }

  private count(modules: ReadonlyArray<TestModule>): string {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    return `\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`;
  }
}
