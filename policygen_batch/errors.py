"""The exception tree and the one table that maps it to exit codes.

The library raises these and never prints or exits; the CLI catches them in one place
(:func:`policygen_batch.cli.app.main`) and turns them into the documented exit status.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of every ``policygen`` command (README, "Exit codes")."""

    OK = 0
    INTERNAL = 1  # a bug: anything not foreseen below
    USAGE = 2  # bad options or arguments
    FINDINGS = 3  # validation findings at or above the threshold; a failed custom check
    BAD_INPUT = 4  # unreadable input and --strict


class PolicygenError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(PolicygenError):
    """The caller asked for something that cannot be done as asked (bad option, bad path)."""

    exit_code = ExitCode.USAGE


class BadInputError(PolicygenError):
    """Input could not be read; raised only where the caller asked to be strict."""

    exit_code = ExitCode.BAD_INPUT


class SourceError(UsageError):
    """A source (folder, file, s3:// prefix) could not be listed or opened."""


class WarehouseError(PolicygenError):
    """The warehouse on disk is not in a state this version can use."""

    exit_code = ExitCode.BAD_INPUT


class CatalogError(PolicygenError):
    """The IAM catalog could not be loaded or does not have the expected shape."""

    exit_code = ExitCode.BAD_INPUT


class QueryError(UsageError):
    """A forensic SQL query failed to parse or run."""


class FindingsError(PolicygenError):
    """Findings at or above the requested threshold (validate, custom checks)."""

    exit_code = ExitCode.FINDINGS
