"""The sentence splitter as a child process (``python -m assistant.index.split_worker``).

Reads one pickled list of article batches from stdin, then writes one pickled
``(doc_id, sentences)`` per article to stdout, in order, as ``iter_split`` yields them
(``("error", traceback)`` if it fails). The pipe's buffer is the backpressure: the child
runs at most a few articles ahead of a caller that stops reading. It writes nothing else
anywhere. See ``ingestion._SplitProcess``.
"""
from __future__ import annotations

import os
import pickle
import sys
import traceback


def main() -> int:
    batches = pickle.load(sys.stdin.buffer)  # everything first: the parent can then close its end
    # The pipe carries pickles only: whatever a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        from .sentences import iter_split

        for batch in batches:
            for item in iter_split(batch):
                pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
    except BrokenPipeError:  # the parent stopped reading: it failed or was closed
        return 0
    except BaseException:  # noqa: BLE001  (reported to the parent, which raises it)
        try:
            pickle.dump(("error", traceback.format_exc()), out)
            out.flush()
        except BrokenPipeError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
