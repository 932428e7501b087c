# Peer for `npm run bench`: trains SentencePiece's BPE on a text file and reports the time, then
# the bytes per token it gives on a held-out file. Uses Debian's python3-sentencepiece with its
# default normalisation (NFKC, extra whitespace removed); the held-out text has single spaces and
# trimmed lines, so that normalisation drops no bytes that the byte-level BPE must encode.
#   python3 scripts/sentencepiece-bpe.py TRAIN.txt HELDOUT.txt VOCAB PREFIX
import json
import sys
import time

import sentencepiece as spm

train, heldout, vocab, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t0 = time.time()
spm.SentencePieceTrainer.train(
    input=train,
    model_prefix=prefix,
    model_type='bpe',
    vocab_size=vocab,
    byte_fallback=True,
    character_coverage=0.9995,
    max_sentence_length=65536,
    input_sentence_size=0,
    shuffle_input_sentence=False,
    num_threads=2,
    minloglevel=2,
)
seconds = time.time() - t0
sp = spm.SentencePieceProcessor(model_file=prefix + '.model')
text = open(heldout, encoding='utf-8').read()
tokens = sum(len(sp.encode(line)) for line in text.split('\n') if line)
print(json.dumps({'seconds': seconds, 'heldout_bytes': len(text.encode('utf-8')), 'heldout_tokens': tokens}))
