import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEntry, Task } from './queue.js';

/** One line of a retention archive: a purged task and its full audit trail. */
export interface ArchiveRecord {
  readonly task: Task;
  readonly history: readonly AuditEntry[];
}

/**
 * Appends records as JSON Lines (one `{"task":…,"history":[…]}` per line) to `path` and fsyncs it, so the
 * archive is durable before the rows are deleted. A crash between the two may archive a task twice on the
 * next purge, never zero times.
 * @throws on IO errors (callers convert them into STORE_IO)
 */
export function appendArchive(path: string, records: readonly ArchiveRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o600);
  try {
    const chunk = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    if (chunk.length > 0) writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
