/**
 * The persistent dedup index (docs/DESIGN.md §3): SQLite through better-sqlite3, WAL journal, prepared
 * statements, batched transactions, a covering index on the LSH buckets. It holds every document seen (sequence number, id, batch, exact key,
 * MinHash signature, cluster = sequence number of the cluster's survivor), the band buckets,
 * and the batches. A batch is keyed by a fingerprint of its input: a batch interrupted before it
 * completed is rolled back on the next run, and a completed one is never inserted twice.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors.js';

export interface IndexParams {
  bands: number;
  rows: number;
  ngram: number;
  seed: number;
  /** Version of the text normalisation and shingling, so a changed algorithm is refused too. */
  scheme: number;
}

/** Bucket rows per INSERT statement (3 parameters each, under SQLite's 32,766). */
const LSH_ROWS = 256;

/** Pass 1's writes (`DedupDb.writer`). */
export interface IndexWriter {
  /** The earliest document with this exact key, or null. */
  earliestExact(exact: bigint): number | null;
  /** A document, its own cluster for now. */
  insertDoc(seq: number, id: string, batch: number, exact: bigint, sig: Buffer): void;
  /** Bucket rows as flat `band, bucket, seq` triples. */
  insertBuckets(rows: number[]): void;
}

export interface BatchInfo {
  batch: number;
  firstSeq: number;
  docs: number;
  completed: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (batch INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, first_seq INTEGER NOT NULL, docs INTEGER NOT NULL, completed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS docs (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, batch INTEGER NOT NULL, exact INTEGER NOT NULL, cluster INTEGER NOT NULL, sig BLOB);
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE INDEX IF NOT EXISTS docs_cluster ON docs (cluster);
CREATE INDEX IF NOT EXISTS docs_id ON docs (id);
CREATE TABLE IF NOT EXISTS lsh (band INTEGER NOT NULL, bucket INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (band, bucket, seq)) WITHOUT ROWID;
`;
// The LSH table is its own index on (band, bucket, seq): one B-tree to update per row instead of
// a table and an index. Indexes made by earlier versions (a rowid table + lsh_bucket) still work.

/** A signature as the index stores it (the `sig` blob of `docs`), as 32-bit values. */
export function sigOf(blob: Buffer): Uint32Array {
  return new Uint32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
}

export class DedupDb {
  private readonly db: Database.Database;

  /** This process's claim on the index (`meta.owner`), while it writes; undefined for inspection. */
  private owner: string | undefined;

  private constructor(
    readonly path: string,
    params: IndexParams,
    claim: boolean,
  ) {
    try {
      this.db = new Database(path);
    } catch (e) {
      throw new UserError(`cannot open dedup index ${path}: ${(e as Error).message}`, 'check the --db path');
    }
    let stored: { value: string } | undefined;
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // the bucket index takes random inserts: with SQLite's default 2 MB page cache each one
      // re-reads pages from the OS; 256 MiB keeps a million documents' index in memory
      this.db.pragma('cache_size = -262144');
      this.db.exec(SCHEMA);
      stored = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('params') as { value: string } | undefined;
    } catch (e) {
      // another file under that name, or a damaged index (SQLite says which)
      this.db.close();
      throw new UserError(
        `${path} is not a usable moe dedup index: ${(e as Error).message}`,
        'pass the --db file a moe dedup run wrote, or a new path to start an index',
      );
    }
    const wanted = JSON.stringify(params);
    if (!stored) this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('params', wanted);
    else if (stored.value !== wanted) {
      this.db.close();
      throw new UserError(
        `${path} was built with other MinHash parameters (${stored.value}), not ${wanted}`,
        'use the same --bands/--rows/--ngram as before, or a new --db',
      );
    }
    if (claim) this.claim();
  }

  /**
   * Claims the index for this process: a second `moe dedup` on the same --db would interleave its
   * batch with ours (SQLite said only "database is locked", after 5 s, as an internal error). The
   * claim is a row written in an IMMEDIATE transaction, so two runs starting together cannot both
   * take it; a claim whose process is gone (killed) is taken over.
   */
  private claim(): void {
    const me = JSON.stringify({ pid: process.pid, host: hostname() });
    try {
      this.db
        .transaction(() => {
          const row = this.db.prepare("SELECT value FROM meta WHERE key = 'owner'").get() as
            | { value: string }
            | undefined;
          if (row && row.value !== me && claimAlive(row.value)) {
            const o = JSON.parse(row.value) as { pid: number; host: string };
            throw new UserError(
              `${this.path} is in use by another moe dedup (process ${o.pid} on ${o.host})`,
              'wait for that run to finish, or give this run its own --db',
            );
          }
          this.db
            .prepare(
              "INSERT INTO meta (key, value) VALUES ('owner', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .run(me);
        })
        .immediate();
    } catch (e) {
      this.db.close();
      if (e instanceof UserError) throw e;
      throw new UserError(
        `${this.path} is in use by another process (${(e as Error).message})`,
        'wait for it to finish, or give this run its own --db',
      );
    }
    this.owner = me;
  }

  static open(path: string, params: IndexParams): DedupDb {
    return new DedupDb(path, params, true);
  }

  /** Opens an index that must already exist, whatever its parameters (for inspection). */
  static openExisting(path: string): DedupDb {
    if (!existsSync(path)) throw new UserError(`no dedup index at ${path}`, 'pass the --db file a moe dedup run wrote');
    const probe = new Database(path, { readonly: true, fileMustExist: true });
    let params: IndexParams;
    try {
      params = JSON.parse(
        (probe.prepare("SELECT value FROM meta WHERE key = 'params'").get() as { value: string }).value,
      ) as IndexParams;
    } catch {
      throw new UserError(`${path} is not a moe dedup index`, 'pass the --db file a moe dedup run wrote');
    } finally {
      probe.close();
    }
    return new DedupDb(path, params, false);
  }

  /** The batch of this input: an existing completed one, or a fresh one after rolling back any incomplete one. */
  batchFor(fingerprint: string, docs: number): BatchInfo {
    const row = this.db
      .prepare('SELECT batch, first_seq, docs, completed FROM batches WHERE fingerprint = ?')
      .get(fingerprint) as { batch: number; first_seq: number; docs: number; completed: number } | undefined;
    if (row?.completed) return { batch: row.batch, firstSeq: row.first_seq, docs: row.docs, completed: true };
    return this.db.transaction(() => {
      this.rollbackIncomplete();
      const next = this.db.prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM docs').get() as { n: number };
      const batch = (this.db.prepare('SELECT COALESCE(MAX(batch) + 1, 0) AS b FROM batches').get() as { b: number }).b;
      this.db
        .prepare('INSERT INTO batches (batch, fingerprint, first_seq, docs, completed) VALUES (?, ?, ?, ?, 0)')
        .run(batch, fingerprint, next.n, docs);
      return { batch, firstSeq: next.n, docs, completed: false };
    })();
  }

  /** Removes every trace of batches that never completed (a run killed part-way). */
  private rollbackIncomplete(): void {
    for (const b of this.db.prepare('SELECT batch, first_seq FROM batches WHERE completed = 0').all() as Array<{
      batch: number;
      first_seq: number;
    }>) {
      this.db.prepare('DELETE FROM lsh WHERE seq >= ?').run(b.first_seq);
      this.db.prepare('DELETE FROM docs WHERE seq >= ?').run(b.first_seq);
      this.db.prepare('DELETE FROM batches WHERE batch = ?').run(b.batch);
    }
  }

  /** The MinHash signature stored for document `seq`. */
  signature(seq: number): Uint32Array {
    const row = (this.sigRow ??= this.db.prepare('SELECT sig FROM docs WHERE seq = ?')).get(seq) as { sig: Buffer };
    return sigOf(row.sig);
  }

  private sigRow: Database.Statement | undefined;

  /**
   * Pass 1's writes, prepared once: the earliest document with an exact key, a document, and its
   * bucket rows (flat `band, bucket, seq` triples, in the order given).
   */
  writer(): IndexWriter {
    const findExact = this.db.prepare('SELECT MIN(seq) AS seq FROM docs WHERE exact = ?');
    const insDoc = this.db.prepare('INSERT INTO docs (seq, id, batch, exact, cluster, sig) VALUES (?, ?, ?, ?, ?, ?)');
    // bucket rows go in LSH_ROWS at a time: one statement call per row cost more than SQLite's insert
    const insLsh = this.db.prepare('INSERT INTO lsh (band, bucket, seq) VALUES (?, ?, ?)');
    const insLshMany = this.db.prepare(
      `INSERT INTO lsh (band, bucket, seq) VALUES ${Array(LSH_ROWS).fill('(?, ?, ?)').join(', ')}`,
    );
    return {
      earliestExact: (exact) => (findExact.get(exact) as { seq: number | null }).seq,
      insertDoc: (seq, id, batch, exact, sig) => void insDoc.run(seq, id, batch, exact, seq, sig),
      insertBuckets: (rows) => {
        let at = 0;
        for (; at + 3 * LSH_ROWS <= rows.length; at += 3 * LSH_ROWS) insLshMany.run(rows.slice(at, at + 3 * LSH_ROWS));
        for (; at < rows.length; at += 3) insLsh.run(rows[at], rows[at + 1], rows[at + 2]);
      },
    };
  }

  /**
   * Runs `write` over `items` in transactions of about `every` units (`size` of each item): each
   * commit rewrites the pages it touched, so fewer, larger commits touch each page fewer times. A
   * run killed in between leaves its batch incomplete, to be rolled back by the next run.
   */
  async writeInTransactions<T>(
    items: AsyncIterable<T>,
    size: (item: T) => number,
    every: number,
    write: (item: T) => void,
  ): Promise<void> {
    let uncommitted = 0;
    this.db.exec('BEGIN');
    try {
      for await (const item of items) {
        write(item);
        uncommitted += size(item);
        if (uncommitted >= every) {
          this.db.exec('COMMIT');
          this.db.exec('BEGIN');
          uncommitted = 0;
        }
      }
      this.db.exec('COMMIT');
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  /** The cluster (survivor's sequence number) of document `seq`. */
  clusterOf(seq: number): number {
    return (
      (this.clusterRow ??= this.db.prepare('SELECT cluster FROM docs WHERE seq = ?')).get(seq) as { cluster: number }
    ).cluster;
  }

  private clusterRow: Database.Statement | undefined;

  /**
   * The LSH buckets holding a document from `firstSeq` on and at least one other: per bucket,
   * its documents' sequence numbers joined by commas.
   */
  candidateGroups(firstSeq: number): Iterable<{ seqs: string }> {
    return this.db
      .prepare(
        `SELECT group_concat(l.seq) AS seqs FROM lsh l
     JOIN (SELECT DISTINCT band, bucket FROM lsh WHERE seq >= ?) n ON l.band = n.band AND l.bucket = n.bucket
     GROUP BY l.band, l.bucket HAVING count(*) > 1`,
      )
      .iterate(firstSeq) as Iterable<{ seqs: string }>;
  }

  /**
   * Completes a batch in one transaction: its documents' clusters (`[seq, root]` where they are
   * not their own), the earlier clusters it bridged (`[old root, new root]`), its document count.
   */
  completeBatch(
    batch: number,
    docs: number,
    roots: Iterable<[number, number]>,
    bridged: Iterable<[number, number]>,
  ): void {
    const setCluster = this.db.prepare('UPDATE docs SET cluster = ? WHERE seq = ?');
    const moveCluster = this.db.prepare('UPDATE docs SET cluster = ? WHERE cluster = ?');
    this.db.transaction(() => {
      for (const [seq, root] of roots) setCluster.run(root, seq);
      for (const [oldRoot, newRoot] of bridged) moveCluster.run(newRoot, oldRoot);
      this.db.prepare('UPDATE batches SET docs = ? WHERE batch = ?').run(docs, batch);
      this.markCompleted(batch);
    })();
  }

  /** The documents of a batch in sequence order. */
  batchDocs(batch: number): Iterator<{ seq: number; id: string; exact: bigint | number; cluster: number }> {
    return this.db
      .prepare('SELECT seq, id, exact, cluster FROM docs WHERE batch = ? ORDER BY seq')
      .iterate(batch) as Iterator<{ seq: number; id: string; exact: bigint | number; cluster: number }>;
  }

  /** Document `seq`'s id, exact key (as a bigint) and stored signature. */
  docAt(seq: number): { id: string; exact: bigint; sig: Buffer } {
    return (this.docRow ??= this.db.prepare('SELECT id, exact, sig FROM docs WHERE seq = ?').safeIntegers(true)).get(
      BigInt(seq),
    ) as { id: string; exact: bigint; sig: Buffer };
  }

  private docRow: Database.Statement | undefined;

  /** The number of documents in the cluster of survivor `root`. */
  clusterSize(root: number): number {
    return (
      (this.sizeRow ??= this.db.prepare('SELECT count(*) AS n FROM docs WHERE cluster = ?')).get(root) as { n: number }
    ).n;
  }

  private sizeRow: Database.Statement | undefined;

  /** The first document with this id, or undefined (`moe dedup inspect`). */
  firstWithId(id: string): { seq: number; cluster: number } | undefined {
    return this.db.prepare('SELECT seq, cluster FROM docs WHERE id = ? ORDER BY seq LIMIT 1').get(id) as
      | { seq: number; cluster: number }
      | undefined;
  }

  /** A cluster's documents in sequence order, the survivor marked. */
  clusterMembers(cluster: number): Array<{ seq: number; id: string; batch: number; survivor: boolean }> {
    const rows = this.db
      .prepare(
        'SELECT d.seq, d.id, d.batch, d.seq = d.cluster AS survivor FROM docs d WHERE d.cluster = ? ORDER BY d.seq',
      )
      .all(cluster) as Array<{ seq: number; id: string; batch: number; survivor: number }>;
    return rows.map((r) => ({ ...r, survivor: Boolean(r.survivor) }));
  }

  markCompleted(batch: number): void {
    this.db.prepare('UPDATE batches SET completed = 1 WHERE batch = ?').run(batch);
  }

  close(): void {
    if (this.owner !== undefined && this.db.open)
      this.db.prepare("DELETE FROM meta WHERE key = 'owner' AND value = ?").run(this.owner);
    this.owner = undefined;
    this.db.close();
  }
}

/** Whether the process of a claim may still be running: on this host, ask the system; elsewhere, assume so. */
function claimAlive(value: string): boolean {
  let o: { pid?: unknown; host?: unknown };
  try {
    o = JSON.parse(value) as typeof o;
  } catch {
    return false;
  }
  if (o.host !== hostname() || typeof o.pid !== 'number') return o.host !== hostname();
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
