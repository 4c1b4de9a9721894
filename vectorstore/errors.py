"""Errors raised by the storage layer; ``assistant.errors`` builds on them."""


class UserFacingError(Exception):
    """An error whose message a user can act on (the CLI prints it and exits non-zero)."""


class StoreUnavailable(UserFacingError):
    """The Chroma store cannot be reached or opened: server down, corrupted data dir."""
