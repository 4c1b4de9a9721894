"""Files → articles. One module per source format; ``reader.read_path`` dispatches."""
from .reader import read_path, read_paths

__all__ = ["read_path", "read_paths"]
