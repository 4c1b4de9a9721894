"""Articles into the index: split into sentences (spaCy), embedded into Chroma, and the
per-version read tables every question runs on (``tables``)."""
