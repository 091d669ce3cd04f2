// A vitest reporter that writes the failed tests and the unhandled errors of a run, briefly, to a file that
// `npm test` prints last: CI shows only the end of a run's output, and that end must say what failed and why.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const FRAMES = 4; // stack lines kept per error: enough to find the line, short enough for a CI tail
const brief = (error) => {
  const frames = String(error?.stack ?? '').split('\n').filter((l) => l.trim().startsWith('at '));
  const own = frames.filter((l) => !/node_modules|node:internal/.test(l)); // the project's frames say where
  const stack = (own.length ? own : frames).slice(0, FRAMES);
  return [`    ${error?.name ?? 'Error'}: ${String(error?.message ?? error).split('\n').slice(0, 6).join('\n      ')}`, ...stack.map((l) => `      ${l.trim()}`)].join('\n');
};

export default class FailureSummaryReporter {
  constructor() { this.file = process.env.INVORTO_TEST_FAILURES_FILE; }

  onInit(vitest) { this.root = vitest.config.root; }

  onTestRunEnd(testModules, unhandledErrors) {
    const lines = [];
    for (const module of testModules) {
      const file = relative(this.root ?? process.cwd(), module.moduleId);
      for (const error of module.errors?.() ?? []) lines.push(`FAIL ${file} (the file itself)`, brief(error));
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'failed') continue;
        lines.push(`FAIL ${file} > ${test.fullName}`, ...(result.errors ?? []).slice(0, 2).map(brief));
      }
    }
    for (const error of unhandledErrors) {
      const where = error?.VITEST_TEST_PATH ? ` (while ${relative(this.root ?? process.cwd(), error.VITEST_TEST_PATH)} ran${error.VITEST_TEST_NAME ? `: ${error.VITEST_TEST_NAME}` : ''})` : '';
      lines.push(`UNHANDLED${where}`, brief(error));
    }
    if (this.file) writeFileSync(this.file, lines.length ? `${lines.join('\n')}\n` : '');
  }
}
