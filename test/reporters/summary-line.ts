import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with one plain "tests: N passed, N failed" line that any CI log reader understands. */
export default class SummaryLine implements Reporter {
  private line = '';

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) counts.failed++;
    }
    this.line = `tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
  }

  /** Runs after the default reporter's summary, so the line closes the output. */
  onFinished(): void {
    if (this.line) process.stdout.write(`${this.line}\n`);
  }
}
