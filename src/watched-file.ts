/**
 * A configuration file applied without a restart (the tool policy, the API keys). It is watched
 * by path, not with fs.watch: editors and config tools save by renaming a new file over the old
 * one, and an inode watch then fires once and never again (Linux), so later edits would go unseen.
 * A stat a second also follows a symlink swap (Kubernetes ConfigMaps). The stat is compared with
 * the one taken just before the last read (not with the previous poll, as fs.watchFile does), so
 * an edit made while the file was being read is read at the next check.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from './logger.js';

/** How often the file's metadata is checked for a change. */
const STAT_INTERVAL_MS = 1_000;

export class WatchedFile {
  /** The file's inode, size and mtime as they were just before it was last read. */
  private stamp: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(readonly path: string) {}

  /** Reads the file with `read`, stamped first: a write landing during the read leaves a newer stamp. */
  async read<T>(read: (path: string) => Promise<T>): Promise<T> {
    this.stamp = await this.currentStamp();
    return read(this.path);
  }

  /**
   * Calls `onChange` (one at a time) whenever the file differs from what the last read saw. What
   * it throws is logged (its kind only: a message may carry anything) and watching goes on.
   */
  watch(onChange: () => Promise<void>, logger: Logger): void {
    this.timer = setInterval(() => void this.check(onChange, logger), STAT_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(onChange: () => Promise<void>, logger: Logger): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      if ((await this.currentStamp()) !== this.stamp) await onChange();
    } catch (error) {
      logger.error(
        { file: this.path, error: error instanceof Error ? error.name : typeof error },
        'Applying a change of a watched file failed; the next change is applied as usual',
      );
    } finally {
      this.checking = false;
    }
  }

  private async currentStamp(): Promise<string> {
    try {
      const now = await stat(this.path);
      return `${now.ino}:${now.size}:${now.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }
}
