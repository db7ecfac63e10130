"""The policy builder of ``generate``: the usage table → :mod:`policygen_batch.synth`.

Maps the run's options onto synthesis options (``--include-denied``; ``--inline`` and
``--max-policy-chars`` onto the split quotas) and synthesis results onto the report's
:class:`~policygen_batch.report.job.PolicySet` (documents, notes, and the generalisations
and unknown-resource actions as data for ``report.json``).

One rule is added on top of synthesis: actions in :data:`NEVER_ON_STAR` are never granted on
``*`` when the events did not name their resource. Synthesis grants such rows on ``*`` (so
that a workload keeps working), but ``iam:PassRole`` on ``*`` lets a principal hand *any*
role to a service — the privilege escalation Access Analyzer flags as a security warning.
The typical case is ``ec2:RunInstances`` with an instance profile: the event names the
profile, not the role inside it, which only an authorization snapshot can tell. Those rows
are withheld and listed in the report (``policy.withheld``) for a person to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog
from policygen_batch.config import GenerateConfig
from policygen_batch.report.job import PolicySet
from policygen_batch.synth import PolicyTarget, SplitOptions, SynthOptions, synthesize

#: Actions whose unknown resource is never widened to ``*`` (validate's security warnings).
NEVER_ON_STAR = ("iam:PassRole", "iam:CreateServiceLinkedRole")


def synth_options(config: GenerateConfig) -> SynthOptions:
    """Synthesis options for a generate configuration."""
    split = SplitOptions(target=PolicyTarget.INLINE if config.inline else PolicyTarget.MANAGED)
    if config.max_policy_chars is not None:
        limit = config.max_policy_chars
        split = SplitOptions(
            target=split.target,
            managed_quota=limit,
            role_inline_quota=limit,
            user_inline_quota=limit,
        )
    return SynthOptions(include_denied=config.include_denied, split=split)


def synthesize_policies(
    usage: pl.DataFrame, config: GenerateConfig, catalog: Catalog
) -> Mapping[str, PolicySet]:
    """Policy documents per principal ARN for the usage rows of principals that get one."""
    del catalog  # synthesis shapes ARNs from the mapping's output; validation uses the catalog
    unsafe = pl.col(s.ACTION).is_in(NEVER_ON_STAR) & pl.col(s.RESOURCE).is_null()
    withheld = _withheld(usage.filter(unsafe))
    out: dict[str, PolicySet] = {}
    for arn, result in synthesize(usage.filter(~unsafe), synth_options(config)).items():
        held = withheld.get(arn, [])
        notes = list(result.notes)
        if held:
            names = ", ".join(sorted({str(h["action"]) for h in held}))
            notes.append(
                f"withheld, resource not named by the events and never granted on *: {names} "
                "(see policy.withheld; an authorization snapshot names an instance "
                "profile's role)"
            )
        out[arn] = PolicySet(
            documents=tuple(d.to_json() for d in result.documents),
            notes=tuple(notes),
            details={
                "withheld": held,
                "generalizations": [
                    {
                        "action": g.action,
                        "kind": g.kind.value,
                        "pattern": g.pattern,
                        "replaced": g.replaced,
                        "examples": list(g.examples),
                    }
                    for g in result.generalizations
                ],
                "unknown_resource_actions": list(result.unknown_resource_actions),
            },
        )
    return out


def _withheld(rows: pl.DataFrame) -> dict[str, list[dict[str, object]]]:
    """Per principal: the withheld actions with their status, count and an example why."""
    out: dict[str, list[dict[str, object]]] = {}
    ordered = rows.sort(s.PRINCIPAL_ARN, s.ACTION, s.STATUS, nulls_last=True)
    for row in ordered.iter_rows(named=True):
        out.setdefault(row[s.PRINCIPAL_ARN], []).append(
            {
                "action": row[s.ACTION],
                "status": row[s.STATUS],
                "count": row[s.USAGE_COUNT],
                "detail": row[s.DETAIL],
            }
        )
    return out
