"""Runs datatrove's four FineWeb filters on a moe stage folder and writes their per-document decisions.

    python scripts/datatrove-reference.py IN_DIR OUT.jsonl [--words WORDS.jsonl]

IN_DIR holds part-*.jsonl.gz (moe's document records). Each filter judges every document on its
own, as `moe filter` does, with FineWeb's settings:
- gopher-repetition, gopher-quality: `GopherRepetitionFilter()`, `GopherQualityFilter()` on the text;
- c4: `C4QualityFilter(filter_no_terminal_punct=False)` on the text (FineWeb turned that rule off);
- fineweb: `FineWebQualityFilter()` on the text after C4's line removal (FineWeb ran it after C4),
  i.e. after `C4QualityFilter` with the same settings and its three whole-document rules off, as
  moe's `c4-lines` step gives it to `fineweb`.
The first output line records the datatrove commit and spaCy version; each next line is
`{"id", "<filter>": reason or null, ..., "word_count", "sentences"}`: with each filter's decision,
two values it measured (Gopher quality's words, C4's sentences of the kept lines). The last line to stderr is the speed: documents, bytes
and seconds of the four filters (one core). `--words` also writes spaCy's words per document
(what datatrove's `split_into_words` returns), for checking moe's tokenizer.

scripts/datatrove-reference.sh makes the Python environment (spaCy by pip, datatrove from its
repository) and runs this.
"""
import gzip
import importlib.metadata  # noqa: F401  (datatrove's dependency check needs it imported)
import json
import os
import sys
import time
from copy import copy

import spacy
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.utils.text import PUNCTUATION_SET, split_into_sentences, split_into_words


def docs(folder):
    for name in sorted(os.listdir(folder)):
        if name.startswith("part-") and name.endswith(".jsonl.gz"):
            with gzip.open(os.path.join(folder, name), "rt", encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield json.loads(line)


def verdict(result):
    if result is True:
        return None
    if isinstance(result, tuple):
        return result[1]
    return "dropped"


def main():
    args = sys.argv[1:]
    words_out = None
    if "--words" in args:
        k = args.index("--words")
        words_out = open(args[k + 1], "w", encoding="utf-8")
        del args[k : k + 2]
    src, dst = args
    gopher_rep = GopherRepetitionFilter()
    gopher_q = GopherQualityFilter()
    c4 = C4QualityFilter(filter_no_terminal_punct=False)
    c4_lines = C4QualityFilter(filter_no_terminal_punct=False, min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False)
    fineweb = FineWebQualityFilter()
    n = 0
    nbytes = 0
    seconds = 0.0
    with open(dst, "w", encoding="utf-8") as out:
        out.write(json.dumps({"datatrove_commit": os.environ.get("DATATROVE_COMMIT", "unknown"), "spacy": spacy.__version__}) + "\n")
        for d in docs(src):
            text = d["text"]
            t0 = time.process_time()
            row = {"id": d["id"]}
            row["gopher-repetition"] = verdict(gopher_rep.filter(Document(text=text, id=d["id"])))
            row["gopher-quality"] = verdict(gopher_q.filter(Document(text=text, id=d["id"])))
            row["c4"] = verdict(c4.filter(Document(text=text, id=d["id"])))
            lined = Document(text=text, id=d["id"])
            c4_lines.filter(lined)
            row["fineweb"] = verdict(fineweb.filter(lined))
            seconds += time.process_time() - t0
            # two measured values to check moe's against: Gopher quality's word count (words not
            # made only of punctuation) and C4's sentences of the kept lines
            words = split_into_words(text)
            row["word_count"] = sum(1 for w in words if any(ch not in PUNCTUATION_SET for ch in w))
            row["sentences"] = sum(len(split_into_sentences(line)) for line in lined.text.split("\n") if line.strip())
            n += 1
            nbytes += len(text.encode("utf-8"))
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if words_out:
                words_out.write(json.dumps({"id": d["id"], "words": split_into_words(text), "lined": lined.text, "lined_words": split_into_words(lined.text) if lined.text else []}, ensure_ascii=False) + "\n")
    print(json.dumps({"documents": n, "bytes": nbytes, "seconds": round(seconds, 3), "mb_per_s": round(nbytes / 1e6 / seconds, 3) if seconds else None}), file=sys.stderr)


if __name__ == "__main__":
    main()
