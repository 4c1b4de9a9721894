"""What a question asks, before anything is retrieved: follow-ups resolved against the
conversation (``followup``), the kind of fact and the words that matter (``question``),
the expected answer type (``answer_type``, learned), and the query that ``prepare`` hands
to retrieval. Nothing here reads the index beyond the vocabulary."""
