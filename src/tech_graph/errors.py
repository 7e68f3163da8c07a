"""Errors that the CLI turns into one clear line and an exit code."""


class TechGraphError(Exception):
    """Bad input or a failed operation, with a message fit for the user.

    `exit_code` 2 means the input was wrong; 1 means the operation found
    problems (a failed validation, an unreachable server).
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(TechGraphError):
    """Input the user can fix: a file, a query, a name or an option."""


class StoreError(TechGraphError):
    """A store or server failed; the message names it."""

    exit_code = 1
