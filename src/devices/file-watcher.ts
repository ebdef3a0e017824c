// Notices changes to one file, whichever way it is edited: written in place (watch on the file)
// or replaced by a rename, as editors and config tools do (watch on its directory; the file
// watch follows the old inode and is re-armed). Bursts of events are merged by a short debounce.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';

export interface FileWatcherOptions {
  debounceMs: number;
  onChange: () => void;
  logger: Logger;
}

export class FileWatcher {
  private readonly dir: string;
  private readonly name: string;
  private dirWatcher: fs.FSWatcher | undefined;
  private fileWatcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly opts: FileWatcherOptions,
  ) {
    this.dir = path.dirname(path.resolve(file));
    this.name = path.basename(file);
  }

  start(): void {
    try {
      this.dirWatcher = fs.watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === this.name) this.schedule();
      });
      this.dirWatcher.on('error', (err) => this.watchFailed('directory', err));
    } catch (err) {
      this.opts.logger.warn({ dir: this.dir, err: (err as Error).message }, 'cannot watch the device registry directory; reload with SIGHUP');
    }
    this.armFileWatcher();
  }

  private armFileWatcher(): void {
    this.fileWatcher?.close();
    this.fileWatcher = undefined;
    if (this.closed) return;
    try {
      this.fileWatcher = fs.watch(this.file, { persistent: false }, () => this.schedule());
      this.fileWatcher.on('error', (err) => this.watchFailed('file', err));
    } catch {
      // The file does not exist (yet): the directory watch will see it appear.
    }
  }

  private watchFailed(what: string, err: Error): void {
    this.opts.logger.debug({ file: this.file, err: err.message }, `${what} watch ended`);
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      // A replaced file is a new inode: watch that one from now on.
      this.armFileWatcher();
      this.opts.onChange();
    }, this.opts.debounceMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirWatcher?.close();
    this.fileWatcher?.close();
    this.dirWatcher = undefined;
    this.fileWatcher = undefined;
  }
}
