"""The read-side tables of one corpus version, on disk: what answering a question looks up.

seeds → articles → sentences → Chroma + **tables** → retrieval → answer.

For each corpus version (Chroma's version stamp plus the article store's write counter)
one SQLite file holds the citable sentence rows, the articles' citation metadata, word
and entity document frequencies, the gazetteer of names and the vocabulary's word list;
beside it the BM25 index (``vectorstore/bm25.py``) and the vocabulary's word vectors,
both memory-mapped. They are built once per version, by whichever process first needs
them (normally the writer, right after an ingest), and never changed afterwards: a new
version gets new files, so readers of the old one are never disturbed.

Opening a version is then a few file opens, whatever the corpus size, and a question
reads only the rows it needs (issue 9: start-up and memory must not grow with the corpus).
"""
from .store import TablesFile, open_or_build  # noqa: F401
