"""The IAM catalog as frozen, typed objects, and the questions later stages ask of it.

A :class:`Catalog` is built once per run by :func:`policygen_batch.catalog.loader.load_catalog`
and passed explicitly to whoever needs it (mapping, synthesis, validation): there is no
module-level instance. Lookups are case-insensitive because IAM action names are
(``s3:getobject`` and ``s3:GetObject`` are the same action in a policy), while every answer
carries the canonical spelling from the Service Authorization Reference.

Objects are frozen; the dictionaries inside them are never mutated after loading (they
are wrapped in :class:`types.MappingProxyType` so that a caller cannot either).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

#: Variables of an ARN format that stand for one colon-free ARN segment.
_SEGMENT_VARIABLES = {"Partition": r"aws[a-z-]*", "Region": r"[^:]*", "Account": r"[^:]*"}
#: Variables whose values can never contain a slash: an S3 bucket name is the classic case
#: that otherwise makes ``arn:aws:s3:::bucket/key`` look like a bucket ARN.
_NO_SLASH_VARIABLES = frozenset({"BucketName"})
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def _template_regex(template: str) -> str:
    """The regular expression (without anchors) of one ARN template."""
    parts: list[str] = []
    pos = 0
    for match in _VARIABLE.finditer(template):
        parts.append(_literal_regex(template[pos : match.start()]))
        name = match.group(1)
        if name in _SEGMENT_VARIABLES:
            parts.append(_SEGMENT_VARIABLES[name])
        elif name in _NO_SLASH_VARIABLES:
            parts.append(r"[^/]+")
        else:
            parts.append(r".+")
        pos = match.end()
    parts.append(_literal_regex(template[pos:]))
    return "(?:" + "".join(parts) + ")"


@dataclass(frozen=True)
class ArnFormat:
    """One ARN template of the reference, e.g. ``arn:${Partition}:s3:::${BucketName}``.

    Matching semantics (documented because validation and resource shaping both rely on it):

    * ``${Partition}`` matches ``aws`` and its ``aws-…`` variants; ``${Region}`` and
      ``${Account}`` match one (possibly empty) colon-free segment;
    * ``${BucketName}`` matches a non-empty run without ``/``;
    * every other variable matches any non-empty text (names with paths such as log groups,
      object keys, parameters and role paths contain ``/`` and sometimes ``:``);
    * a literal ``*`` in the template matches anything, as it does in a policy.

    Several formats can match one ARN (``${BucketName}/${ObjectName}`` and a generic
    ``${ResourceId}``); :attr:`specificity` (the number of literal characters) ranks them.
    The regular expression is compiled on first use: compiling all ~2,300 formats up front
    would double the catalog's load time for formats most runs never consult.
    """

    template: str
    others: tuple[str, ...] = ()

    @classmethod
    def compile(cls, template: str) -> ArnFormat:
        """Wrap a template (the matcher itself is built lazily by :attr:`regex`).

        The reference sometimes gives one resource type several formats in one string
        (API Gateway's ``deployments``: ``…/apis/${ApiId}/deployments, …/restapis/…``);
        the first is :attr:`template`, the rest :attr:`others`, and matching accepts any.
        """
        first, *rest = (t.strip() for t in re.split(r",\s*(?=arn:)", template))
        return cls(first, tuple(rest))

    @property
    def alternatives(self) -> tuple[str, ...]:
        """Every template of this resource type, the main one first."""
        return (self.template, *self.others)

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """Names of the ``${…}`` variables of the main template, in order."""
        return tuple(_VARIABLE.findall(self.template))

    @cached_property
    def specificity(self) -> int:
        """Number of literal characters (``*`` not counted): higher means more specific."""
        return max(len(_VARIABLE.sub("", t).replace("*", "")) for t in self.alternatives)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """A full-match regular expression for ARNs of any of the templates."""
        return re.compile("|".join(_template_regex(t) for t in self.alternatives), re.DOTALL)

    def matches(self, arn: str) -> bool:
        """Whether *arn* (taken literally) has the shape of this format."""
        return self.regex.fullmatch(arn) is not None

    @property
    def service(self) -> str:
        """The service segment of the template (``s3`` in ``arn:${Partition}:s3:::…``)."""
        pieces = self.template.split(":", 3)
        return pieces[2] if len(pieces) > 2 else ""


def _literal_regex(text: str) -> str:
    """Escape a literal piece of a template, keeping ``*`` as a wildcard."""
    return ".*".join(re.escape(piece) for piece in text.split("*"))


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type of a service (``bucket``, ``object``, ``role``…) and its ARN format."""

    service: str
    name: str
    arn: ArnFormat
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionResource:
    """A resource type as one action uses it: required or not, with its extra keys."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConditionKey:
    """A condition key (service-specific or ``aws:`` global as listed by the service)."""

    name: str
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class Action:
    """One IAM action with its canonical name and what it applies to."""

    service: str
    name: str
    access_level: str
    description: str
    resource_types: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """``prefix:Name`` in canonical case, e.g. ``s3:GetObject``."""
        return f"{self.service}:{self.name}"

    @property
    def supports_resource_level(self) -> bool:
        """Whether a policy can name resources for it (otherwise only ``*`` works)."""
        return bool(self.resource_types)


@dataclass(frozen=True, slots=True, eq=False)
class Service:
    """A service prefix with its actions, resource types and condition keys (keys lower-case)."""

    prefix: str
    actions: Mapping[str, Action]
    resource_types: Mapping[str, ResourceType]
    condition_keys: Mapping[str, ConditionKey]


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every IAM service, action and resource type of one catalog version.

    Build it with :func:`policygen_batch.catalog.loader.load_catalog`; pass it explicitly.
    """

    version: str
    updated_at: str
    source: str
    services: Mapping[str, Service]

    @cached_property
    def derived(self) -> dict[str, object]:
        """What later stages derive from this catalog alone, kept with it (each under the
        name of the module that derives it): built once per loaded catalog, gone with it,
        and passed along with the catalog instead of living in a module-level cache."""
        return {}

    # --- counts ---------------------------------------------------------------------------
    @property
    def service_count(self) -> int:
        """Number of service prefixes."""
        return len(self.services)

    @property
    def action_count(self) -> int:
        """Number of actions over all services."""
        return sum(len(service.actions) for service in self.services.values())

    def actions(self) -> Iterator[Action]:
        """Every action, services in prefix order, actions in catalog order."""
        for prefix in sorted(self.services):
            yield from self.services[prefix].actions.values()

    # --- lookups --------------------------------------------------------------------------
    def service(self, prefix: str) -> Service | None:
        """The service for *prefix* (any case), or None."""
        return self.services.get(prefix.lower())

    def action(self, name: str) -> Action | None:
        """The action ``prefix:Name`` (any case), or None when the catalog does not know it."""
        prefix, sep, action = name.partition(":")
        if not sep:
            return None
        service = self.services.get(prefix.lower())
        if service is None:
            return None
        return service.actions.get(action.lower())

    def canonical(self, name: str) -> str | None:
        """The canonical spelling of an action name, or None when it does not exist."""
        found = self.action(name)
        return None if found is None else found.full_name

    def expand(self, pattern: str) -> tuple[Action, ...]:
        """Actions an IAM action pattern grants: ``*``, ``s3:*``, ``s3:Get*``, ``s3:?etObject``.

        Matching is case-insensitive, ``*`` spans any run and ``?`` one character, as in a
        policy's ``Action`` element. The result is sorted by full name. A pattern without a
        colon other than ``*`` matches nothing (IAM rejects it).
        """
        if pattern == "*":
            return tuple(sorted(self.actions(), key=_action_key))
        if "*" not in pattern and "?" not in pattern:
            # A plain name matches at most itself: a lookup, not a scan of every action
            # (the unused-permission report expands every action of every policy).
            named = self.action(pattern)
            return () if named is None else (named,)
        prefix_pattern, sep, action_pattern = pattern.partition(":")
        if not sep:
            return ()
        prefix_re = _glob_regex(prefix_pattern)
        action_re = _glob_regex(action_pattern)
        found: list[Action] = []
        for prefix, service in self.services.items():
            if not prefix_re.fullmatch(prefix):
                continue
            if action_pattern == "*":
                found.extend(service.actions.values())
                continue
            found.extend(
                action for key, action in service.actions.items() if action_re.fullmatch(key)
            )
        return tuple(sorted(found, key=_action_key))

    def access_level(self, name: str) -> str | None:
        """The access level as published (``Read``, ``Write``, ``List``, ``Tagging``,
        ``Permissions management``; a few actions list two, comma-separated); None if unknown.
        """
        found = self.action(name)
        return None if found is None else found.access_level

    def supports_resource_level(self, name: str) -> bool:
        """Whether the action accepts resource ARNs (False for unknown actions too)."""
        found = self.action(name)
        return found is not None and found.supports_resource_level

    def resource_types(self, name: str) -> tuple[tuple[ActionResource, ResourceType], ...]:
        """The resource types of an action with their ARN formats (empty when it has none)."""
        found = self.action(name)
        if found is None:
            return ()
        service = self.services[found.service]
        return tuple(
            (use, service.resource_types[use.name.lower()])
            for use in found.resource_types
            if use.name.lower() in service.resource_types
        )

    def arn_formats(self, name: str) -> tuple[str, ...]:
        """The ARN templates an action's resources can have."""
        return tuple(t for _, rtype in self.resource_types(name) for t in rtype.arn.alternatives)

    def resource_type(self, prefix: str, name: str) -> ResourceType | None:
        """A resource type of a service by name (any case)."""
        service = self.service(prefix)
        return None if service is None else service.resource_types.get(name.lower())

    def match_arn(self, name: str, arn: str) -> tuple[ResourceType, ...]:
        """The action's resource types whose format *arn* fits, most specific first.

        Empty when the ARN fits none (an ``UNSUPPORTED_RESOURCE_ARN_IN_POLICY`` situation for
        validation) or when the action is unknown.
        """
        matched = [rtype for _, rtype in self.resource_types(name) if rtype.arn.matches(arn)]
        return tuple(sorted(matched, key=lambda rtype: -rtype.arn.specificity))

    def classify_arn(self, arn: str) -> tuple[ResourceType, ...]:
        """Resource types (any service) whose format fits *arn*, most specific per service.

        Only formats whose service segment equals the ARN's are tried, so this is cheap; it
        is what resource shaping uses for the ARNs CloudTrail lists in ``resources[]``.
        """
        pieces = arn.split(":", 3)
        if len(pieces) < 4 or pieces[0] != "arn":
            return ()
        best: dict[str, list[ResourceType]] = {}
        for rtype in self._formats_by_arn_service.get(pieces[2], ()):
            if not rtype.arn.matches(arn):
                continue
            current = best.get(rtype.service)
            if current is None or rtype.arn.specificity > current[0].arn.specificity:
                best[rtype.service] = [rtype]
            elif rtype.arn.specificity == current[0].arn.specificity:
                current.append(rtype)
        return tuple(rtype for prefix in sorted(best) for rtype in best[prefix])

    @cached_property
    def _formats_by_arn_service(self) -> Mapping[str, tuple[ResourceType, ...]]:
        """Resource types indexed by the service segment of their ARN format (built on demand)."""
        index: dict[str, list[ResourceType]] = {}
        for service in self.services.values():
            for rtype in service.resource_types.values():
                index.setdefault(rtype.arn.service, []).append(rtype)
        return {key: tuple(value) for key, value in index.items()}


def _action_key(action: Action) -> tuple[str, str]:
    return (action.service, action.name.lower())


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A case-insensitive full-match regex for an IAM glob (``*`` and ``?`` only)."""
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern.lower()
    )
    return re.compile(body, re.DOTALL)
