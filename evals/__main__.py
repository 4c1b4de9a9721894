"""`python -m evals [--baseline] [--out DIR] [--cases PATH] [--kind K] [--limit N]`."""
from .runner import cli

raise SystemExit(cli())
