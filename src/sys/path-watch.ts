/**
 * Waiting for a device node to appear (a USB modem plugged in again), event-driven: inotify
 * (fs.watch) on the nearest directory of the path that exists, moving down as directories
 * appear (/dev/serial/by-id is made by udev only once a first device is there). No polling.
 */
import { existsSync, lstatSync, readlinkSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The deepest existing directory on the way to `path`. */
function nearestDirectory(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dir !== dirname(dir)) dir = dirname(dir);
  return dir;
}

/**
 * Calls `onPresent` once, as soon as `path` exists (following symlinks: a by-id link whose
 * target is not there yet does not count); at once if it exists already. Returns a function
 * that stops watching.
 */
export function whenPathExists(path: string, onPresent: () => void): () => void {
  let watcher: FSWatcher | undefined;
  let watched = '';
  let done = false;
  /** A link already there whose target is not: its target is waited for too. */
  let target: { path: string; stop: () => void } | undefined;
  const stopDirectory = () => {
    watcher?.close();
    watcher = undefined;
  };
  const stop = () => {
    stopDirectory();
    target?.stop();
    target = undefined;
  };
  const followLink = () => {
    let to: string;
    try {
      if (!lstatSync(path).isSymbolicLink()) return;
      to = resolve(dirname(path), readlinkSync(path));
    } catch {
      return;
    }
    if (target?.path === to) return;
    target?.stop();
    target = { path: to, stop: whenPathExists(to, () => look()) };
  };
  const look = () => {
    if (done) return;
    if (existsSync(path)) {
      done = true;
      stop();
      onPresent();
      return;
    }
    followLink();
    const dir = nearestDirectory(path);
    if (dir === watched) return;
    stopDirectory();
    watched = dir;
    try {
      watcher = watch(dir, () => look());
      watcher.on('error', () => {
        // The directory itself went (a by-id directory with its last device): start over.
        watched = '';
        stopDirectory();
        look();
      });
    } catch {
      watched = '';
    }
    // It may have appeared while the watch was being set up.
    if (existsSync(path)) look();
  };
  look();
  return () => {
    done = true;
    stop();
  };
}
