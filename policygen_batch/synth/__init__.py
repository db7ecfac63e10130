"""Synthesize: aggregated usage of every principal → least-privilege IAM policy documents.

A pure library (no I/O): :func:`synthesize` takes the usage table (contract in
:mod:`.policy`) and :class:`SynthOptions`, and returns :class:`PrincipalPolicies` per
principal ARN; :meth:`PolicyDocument.to_json` / :meth:`PolicyDocument.to_bytes` give the IAM
JSON and its canonical text.
"""

from policygen_batch.synth.document import (
    POLICY_VERSION,
    PolicyDocument,
    Statement,
    SynthError,
    canonical_json,
)
from policygen_batch.synth.generalize import (
    Generalization,
    GeneralizationKind,
    GeneralizeOptions,
)
from policygen_batch.synth.policy import (
    PrincipalPolicies,
    SynthOptions,
    UnknownResource,
    synthesize,
)
from policygen_batch.synth.split import (
    MANAGED_POLICY_QUOTA,
    ROLE_INLINE_QUOTA,
    USER_INLINE_QUOTA,
    PolicyTarget,
    SplitOptions,
)

__all__ = [
    "MANAGED_POLICY_QUOTA",
    "POLICY_VERSION",
    "ROLE_INLINE_QUOTA",
    "USER_INLINE_QUOTA",
    "Generalization",
    "GeneralizationKind",
    "GeneralizeOptions",
    "PolicyDocument",
    "PolicyTarget",
    "PrincipalPolicies",
    "SplitOptions",
    "Statement",
    "SynthError",
    "SynthOptions",
    "UnknownResource",
    "canonical_json",
    "synthesize",
]
