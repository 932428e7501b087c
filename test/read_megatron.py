# An independent reader of Megatron indexed datasets, following megatron/core/datasets/
# indexed_dataset.py (_IndexReader): prints the documents of PREFIX as JSON lists of ids.
import json
import struct
import sys

try:
    import numpy as np
except ImportError:  # the plain struct path reads the same layout
    np = None

DTYPES = {1: ('B', 1), 2: ('b', 1), 3: ('h', 2), 4: ('i', 4), 5: ('q', 8), 6: ('d', 8), 7: ('f', 4), 8: ('H', 2)}

prefix = sys.argv[1]
with open(prefix + '.idx', 'rb') as f:
    idx = f.read()
assert idx[:9] == b'MMIDIDX\x00\x00', 'bad magic'
(version,) = struct.unpack('<Q', idx[9:17])
assert version == 1, 'bad version'
code = idx[17]
fmt, size = DTYPES[code]
(seqs,) = struct.unpack('<Q', idx[18:26])
(docs,) = struct.unpack('<Q', idx[26:34])
off = 34
if np is not None:
    lengths = np.frombuffer(idx, dtype=np.int32, count=seqs, offset=off).tolist()
    pointers = np.frombuffer(idx, dtype=np.int64, count=seqs, offset=off + 4 * seqs).tolist()
    doc_idx = np.frombuffer(idx, dtype=np.int64, count=docs, offset=off + 12 * seqs).tolist()
else:
    lengths = list(struct.unpack('<%di' % seqs, idx[off:off + 4 * seqs]))
    pointers = list(struct.unpack('<%dq' % seqs, idx[off + 4 * seqs:off + 12 * seqs]))
    doc_idx = list(struct.unpack('<%dq' % docs, idx[off + 12 * seqs:off + 12 * seqs + 8 * docs]))
with open(prefix + '.bin', 'rb') as f:
    data = f.read()
out = []
for d in range(docs - 1):
    ids = []
    for s in range(doc_idx[d], doc_idx[d + 1]):
        start = pointers[s]
        ids += list(struct.unpack('<%d%s' % (lengths[s], fmt), data[start:start + lengths[s] * size]))
    out.append(ids)
print(json.dumps({'dtype_code': code, 'documents': out}))
