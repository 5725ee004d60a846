// Worker thread that checkpoints the SQLite WAL on its own connection.
//
// A checkpoint copies WAL pages back into the database file and, with synchronous=NORMAL or
// FULL, fsyncs it. Run by the writing connection (SQLite's autocheckpoint), that work lands on
// whichever commit crosses the threshold: on the event loop, where it stalls every socket. In
// the gateway's micro-benchmark it was about half the main thread's cost per stored message.
// Here a PASSIVE checkpoint runs on another thread every CHECKPOINT_INTERVAL: it never blocks
// the writer, and readers and writers keep going while it copies.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// Not exported: this file is a worker entry point, importing it would run it.
const CHECKPOINT_INTERVAL = 200;

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('busy_timeout = 5000');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy or transient I/O trouble: the writer's fallback autocheckpoint still bounds the WAL.
    parentPort?.postMessage({ error: String(err) });
  }
}, CHECKPOINT_INTERVAL);

parentPort?.on('message', (m: unknown) => {
  if (m === 'close') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
