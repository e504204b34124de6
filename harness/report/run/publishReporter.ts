import { copyFileSync, existsSync, lstatSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FullResult, Reporter } from '@playwright/test/reporter';
import { runDir } from './runDir.ts';

/**
 * A run writes its JUnit file and HTML report into its own folder (reports/<run-id>/); only a
 * run that finished — passed or failed, not interrupted or timed out — then becomes the
 * top-level reports/junit.xml and reports/html, each replaced in one rename, so that a second
 * run on the same checkout never overwrites them half-way, and a killed run leaves the last
 * finished one in place. Listed after the junit and html reporters, which have written their
 * files by the time onExit is called.
 */
export default class PublishReporter implements Reporter {
  private status: FullResult['status'] = 'interrupted';

  constructor(private readonly opts: { root?: string } = {}) {}

  onEnd(result: FullResult): void {
    this.status = result.status;
  }

  async onExit(): Promise<void> {
    if (this.status !== 'passed' && this.status !== 'failed') return;
    const root = this.opts.root ?? process.env.HIL_REPORTS_DIR ?? 'reports';
    const own = runDir(root);
    const temp = `.publish-${process.pid}`;
    const junit = join(own, 'junit.xml');
    if (existsSync(junit)) {
      copyFileSync(junit, join(root, `junit.xml${temp}`));
      renameSync(join(root, `junit.xml${temp}`), join(root, 'junit.xml'));
    }
    const html = join(own, 'html');
    if (existsSync(html)) {
      const link = join(root, 'html');
      // A real folder from before runs had their own: replaced once by the link.
      if (existsSync(link) && !lstatSync(link).isSymbolicLink()) rmSync(link, { recursive: true, force: true });
      symlinkSync(relative(root, html), join(root, `html${temp}`));
      renameSync(join(root, `html${temp}`), link);
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}

