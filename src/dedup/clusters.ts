/**
 * Union-find over document sequence numbers, always keeping the smaller sequence number as the
 * root, so every cluster's root is its earliest document in input order: the survivor does not
 * depend on the order in which pairs are found, hence not on worker count or scheduling.
 * Documents of earlier batches enter through their stored cluster root.
 */
export class Clusters {
  /** parent[i] = sequence number of the parent of document firstSeq + i (itself for a root). */
  private readonly parent: Float64Array;
  /** Roots of earlier batches' clusters that this batch merged into another cluster. */
  private readonly oldParent = new Map<number, number>();

  constructor(
    readonly firstSeq: number,
    count: number,
    /** The stored cluster root of a document of an earlier batch. */
    private readonly storedRoot: (seq: number) => number,
  ) {
    this.parent = new Float64Array(count).map((_, i) => firstSeq + i);
  }

  find(seq: number): number {
    let s = seq;
    while (s >= this.firstSeq) {
      const p = this.parent[s - this.firstSeq]!;
      if (p === s) return s;
      // path halving within this batch
      if (p >= this.firstSeq) this.parent[s - this.firstSeq] = this.parent[p - this.firstSeq]!;
      s = p;
    }
    let r = this.storedRoot(s);
    for (let q = this.oldParent.get(r); q !== undefined; q = this.oldParent.get(r)) r = q;
    return r;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const keep = Math.min(ra, rb);
    const drop = Math.max(ra, rb);
    if (drop >= this.firstSeq) this.parent[drop - this.firstSeq] = keep;
    else this.oldParent.set(drop, keep);
  }

  /** Earlier batches' cluster roots that now belong to another (earlier) cluster: old → new root. */
  bridged(): Array<[number, number]> {
    return [...this.oldParent.keys()].map((r) => [r, this.find(r)]);
  }
}
