"""Column names and Arrow schemas of the warehouse, defined once.

Every other module refers to columns through these constants, never through string
literals, so that a rename is one edit and a typo is an import error.

The ``events`` table keeps the flattened columns the later stages need *and* the whole raw
event (``raw``), so a forensic question the flattened columns do not answer can still be
asked of the warehouse with ``json_path_match`` over ``raw``.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

# --- events table -------------------------------------------------------------------------
EVENT_ID: Final = "event_id"
EVENT_TIME: Final = "event_time"
EVENT_DATE: Final = "event_date"  # hive partition key (YYYY-MM-DD), not stored inside files
ACCOUNT_ID: Final = "account_id"  # recipientAccountId: the account whose trail logged it
REGION: Final = "region"
EVENT_SOURCE: Final = "event_source"
EVENT_NAME: Final = "event_name"
EVENT_TYPE: Final = "event_type"
EVENT_CATEGORY: Final = "event_category"
EVENT_VERSION: Final = "event_version"
READ_ONLY: Final = "read_only"
MANAGEMENT_EVENT: Final = "management_event"
IDENTITY_TYPE: Final = "identity_type"  # userIdentity.type as logged
PRINCIPAL_ARN: Final = "principal_arn"  # the IAM identity a policy is for (ARCHITECTURE §3)
PRINCIPAL_TYPE: Final = "principal_type"  # one of PrincipalType below
PRINCIPAL_ACCOUNT: Final = "principal_account"  # the account the caller lives in
IDENTITY_ARN: Final = "identity_arn"  # userIdentity.arn as logged (session ARN for roles)
SESSION_NAME: Final = "session_name"
ACCESS_KEY_ID: Final = "access_key_id"
INVOKED_BY: Final = "invoked_by"
SOURCE_IP: Final = "source_ip"
USER_AGENT: Final = "user_agent"
ERROR_CODE: Final = "error_code"
ERROR_MESSAGE: Final = "error_message"
REQUEST_PARAMETERS: Final = "request_parameters"  # JSON text
RESPONSE_ELEMENTS: Final = "response_elements"  # JSON text
ADDITIONAL_EVENT_DATA: Final = "additional_event_data"  # JSON text
RESOURCES: Final = "resources"  # list<struct<arn, type, account_id>>
RESOURCE_ARN: Final = "arn"
RESOURCE_TYPE: Final = "type"
RESOURCE_ACCOUNT_ID: Final = "account_id"
SHARED_EVENT_ID: Final = "shared_event_id"
VPC_ENDPOINT_ID: Final = "vpc_endpoint_id"
RECORD_FLAGS: Final = "record_flags"  # list<string>: quirks tolerated while reading the record
SOURCE_KEY: Final = "source_key"  # the archive the record came from
RECORD_INDEX: Final = "record_index"  # position of the record inside its archive
RAW: Final = "raw"  # the whole event as JSON text

RESOURCE_STRUCT: Final = pa.struct(
    [
        pa.field(RESOURCE_ARN, pa.string()),
        pa.field(RESOURCE_TYPE, pa.string()),
        pa.field(RESOURCE_ACCOUNT_ID, pa.string()),
    ]
)

#: Columns stored inside each events Parquet file (the partition key lives in the path).
EVENTS_FILE_SCHEMA: Final = pa.schema(
    [
        pa.field(EVENT_ID, pa.string()),
        pa.field(EVENT_TIME, pa.timestamp("us", tz="UTC")),
        pa.field(ACCOUNT_ID, pa.string()),
        pa.field(REGION, pa.string()),
        pa.field(EVENT_SOURCE, pa.string()),
        pa.field(EVENT_NAME, pa.string()),
        pa.field(EVENT_TYPE, pa.string()),
        pa.field(EVENT_CATEGORY, pa.string()),
        pa.field(EVENT_VERSION, pa.string()),
        pa.field(READ_ONLY, pa.bool_()),
        pa.field(MANAGEMENT_EVENT, pa.bool_()),
        pa.field(IDENTITY_TYPE, pa.string()),
        pa.field(PRINCIPAL_ARN, pa.string()),
        pa.field(PRINCIPAL_TYPE, pa.string()),
        pa.field(PRINCIPAL_ACCOUNT, pa.string()),
        pa.field(IDENTITY_ARN, pa.string()),
        pa.field(SESSION_NAME, pa.string()),
        pa.field(ACCESS_KEY_ID, pa.string()),
        pa.field(INVOKED_BY, pa.string()),
        pa.field(SOURCE_IP, pa.string()),
        pa.field(USER_AGENT, pa.string()),
        pa.field(ERROR_CODE, pa.string()),
        pa.field(ERROR_MESSAGE, pa.string()),
        pa.field(REQUEST_PARAMETERS, pa.string()),
        pa.field(RESPONSE_ELEMENTS, pa.string()),
        pa.field(ADDITIONAL_EVENT_DATA, pa.string()),
        pa.field(RESOURCES, pa.list_(RESOURCE_STRUCT)),
        pa.field(SHARED_EVENT_ID, pa.string()),
        pa.field(VPC_ENDPOINT_ID, pa.string()),
        pa.field(RECORD_FLAGS, pa.list_(pa.string())),
        pa.field(SOURCE_KEY, pa.string()),
        pa.field(RECORD_INDEX, pa.int64()),
        pa.field(RAW, pa.string()),
    ]
)

#: The ``events`` table as queries see it: file columns plus the partition key.
EVENTS_SCHEMA: Final = EVENTS_FILE_SCHEMA.append(pa.field(EVENT_DATE, pa.date32()))

#: Columns the aggregation stages read; the raw JSON is ten times costlier to scan.
USAGE_COLUMNS: Final = (
    EVENT_ID,
    EVENT_TIME,
    EVENT_DATE,
    ACCOUNT_ID,
    REGION,
    EVENT_SOURCE,
    EVENT_NAME,
    EVENT_TYPE,
    EVENT_CATEGORY,
    READ_ONLY,
    MANAGEMENT_EVENT,
    IDENTITY_TYPE,
    PRINCIPAL_ARN,
    PRINCIPAL_TYPE,
    PRINCIPAL_ACCOUNT,
    ACCESS_KEY_ID,
    INVOKED_BY,
    ERROR_CODE,
    ERROR_MESSAGE,
    REQUEST_PARAMETERS,
    RESPONSE_ELEMENTS,
    RESOURCES,
)

# --- quarantine table (records that could not become rows) --------------------------------
REASON: Final = "reason"
QUARANTINE_SCHEMA: Final = pa.schema(
    [
        pa.field(SOURCE_KEY, pa.string()),
        pa.field(RECORD_INDEX, pa.int64()),
        pa.field(REASON, pa.string()),
        pa.field(RAW, pa.string()),
    ]
)


class PrincipalType:
    """Values of :data:`PRINCIPAL_TYPE`: what kind of identity made the call (ARCHITECTURE §3)."""

    ROLE: Final = "role"
    SSO_ROLE: Final = "sso_role"  # AWSReservedSSO_<permission set>_<hash>
    SERVICE_LINKED_ROLE: Final = "service_linked_role"  # role/aws-service-role/…: not editable
    USER: Final = "user"
    ROOT: Final = "root"
    AWS_SERVICE: Final = "aws_service"  # the service acted for itself: nobody to attribute
    AWS_ACCOUNT: Final = "aws_account"  # another account, caller unknown beyond its account
    WEB_IDENTITY: Final = "web_identity"  # SAML / OIDC / Identity Center sign-in steps
    UNKNOWN: Final = "unknown"

    #: Kinds that get a generated policy.
    POLICY_KINDS: Final = frozenset({ROLE, SSO_ROLE, USER})


class RecordFlag:
    """Values of :data:`RECORD_FLAGS`: quirks that were tolerated, so a reader can filter."""

    TIME_FROM_AT_TIMESTAMP: Final = "time_from_@timestamp"  # Logstash-shipped: no eventTime
    NO_EVENT_ID: Final = "no_event_id"  # synthetic id derived from the record's content
    NO_RECIPIENT_ACCOUNT: Final = "no_recipient_account"  # account taken from the key or caller
    ROLE_PATH_UNKNOWN: Final = "role_path_unknown"  # role ARN rebuilt from a session ARN
    INVALID_UTF8: Final = "invalid_utf8_escaped"  # bytes that were not UTF-8, kept as \xNN


# --- mapping output -------------------------------------------------------------------------
# One row per (event, needed action, resource); see policygen_batch.mapping for the contract.
ACTION: Final = "action"  # canonical IAM action (s3:GetObject); null when none applies
RESOURCE: Final = "resource"  # ARN, "*" (no resource-level support), or null (not found)
MAPPED_RESOURCE_TYPE: Final = "resource_type"  # "<prefix>:<catalog resource type>" or null
STATUS: Final = "status"  # one of MappingStatus below
DETAIL: Final = "detail"  # why: implied by what, why unmapped, which error, …
# Working columns of the mapping stage only (never leave it).
MAP_ROW: Final = "_map_row"
MAP_SOURCE_KEY: Final = "_map_source_key"
MAP_NAME: Final = "_map_name"
MAP_PREFIX: Final = "_map_prefix"
MAP_RULE: Final = "_map_rule"
MAP_CANDIDATE: Final = "_map_candidate"
MAP_PARTITION: Final = "_map_partition"
MAP_VALUE: Final = "_map_value"
MAP_NOTE: Final = "_map_note"
MAP_FLAG: Final = "_map_flag"

#: The mapping stage's output columns, in order.
MAPPING_COLUMNS: Final = (
    EVENT_ID,
    ACCOUNT_ID,
    REGION,
    PRINCIPAL_ARN,
    PRINCIPAL_TYPE,
    PRINCIPAL_ACCOUNT,
    EVENT_TIME,
    EVENT_SOURCE,
    EVENT_NAME,
    ERROR_CODE,
    ACTION,
    RESOURCE,
    MAPPED_RESOURCE_TYPE,
    STATUS,
    DETAIL,
)


class MappingStatus:
    """Values of :data:`STATUS`: how an output row of the mapping came about."""

    ALLOWED: Final = "allowed"  # the call was made (authorised); the action was needed
    DENIED: Final = "denied"  # the authorization check refused it: data for reports, no grant
    IMPLIED: Final = "implied"  # needed but never logged (iam:PassRole, ec2:CreateTags)
    PERMISSIONLESS: Final = "permissionless"  # a call that needs no identity permission
    NON_API: Final = "non_api"  # an event that is not an API call by the caller
    UNMAPPED: Final = "unmapped"  # no IAM action known for it: reported, never guessed

    ALL: Final = (ALLOWED, DENIED, IMPLIED, PERMISSIONLESS, NON_API, UNMAPPED)


# --- usage and reports ----------------------------------------------------------------------
# The aggregation stage's tables (policygen_batch.aggregate.usage); see its docstring.
USAGE_COUNT: Final = "count"  # rows (= events) behind one aggregated key
FIRST_SEEN: Final = "first_seen"  # earliest event_time behind the key (UTC)
LAST_SEEN: Final = "last_seen"  # latest event_time behind the key (UTC)
EVENTS: Final = "events"  # distinct events (event_id, account_id)
DENIED_EVENTS: Final = "denied_events"  # events refused by authorization
PERMISSIONLESS_EVENTS: Final = "permissionless_events"  # events needing no permission
NON_API_EVENTS: Final = "non_api_events"  # events that are not API calls by the caller
UNMAPPED_EVENTS: Final = "unmapped_events"  # events with no known IAM action
ATTRIBUTED_EVENTS: Final = "attributed_events"  # events with a principal (principal_arn set)

#: Key of the usage table: one row per (principal, action, resource, status).
USAGE_KEY: Final = (
    PRINCIPAL_ARN,
    PRINCIPAL_TYPE,
    PRINCIPAL_ACCOUNT,
    ACTION,
    RESOURCE,
    MAPPED_RESOURCE_TYPE,
    STATUS,
)
#: Key of the per-principal tallies.
PRINCIPAL_KEY: Final = (PRINCIPAL_ARN, PRINCIPAL_TYPE, PRINCIPAL_ACCOUNT)
#: Key of the unmapped tallies (principal null for unattributed events).
UNMAPPED_KEY: Final = (PRINCIPAL_ARN, EVENT_SOURCE, EVENT_NAME, DETAIL)


# --- grants (authorization snapshots) ---
# What each principal's current policies grant (policygen_batch.aggregate.grants): one row per
# (principal, granted action), keyed by PRINCIPAL_ARN/PRINCIPAL_TYPE/PRINCIPAL_ACCOUNT/ACTION.
GRANT_SERVICE: Final = "service"  # the action's service prefix (s3), for unused services
GRANT_SCOPE: Final = "grant_scope"  # one of GrantScope below: the broadest way it is granted
GRANT_RESOURCES: Final = "grant_resources"  # list<string>: ARNs of unconditional Allows
GRANT_NOT_RESOURCES: Final = "grant_not_resources"  # list<string>: exceptions of NotResource
GRANT_CONDITIONS: Final = "grant_conditions"  # list<string>: Condition blocks (canonical JSON)
GRANT_SOURCES: Final = "grant_sources"  # list<string>: the policies that allow it (labels)
BOUNDARY_SCOPE: Final = "boundary_scope"  # GrantScope within the boundary; null: no boundary
BOUNDARY_RESOURCES: Final = "boundary_resources"  # list<string>: ARNs the boundary allows
PARTIAL_DENY: Final = "partial_deny"  # a Deny scoped by resource/condition names the action
PARTIAL_DENY_SOURCES: Final = "partial_deny_sources"  # list<string>: those Deny statements

#: Key of the grants table.
GRANTS_KEY: Final = (PRINCIPAL_ARN, PRINCIPAL_TYPE, PRINCIPAL_ACCOUNT, ACTION)
#: The grants table's columns, in order.
GRANTS_COLUMNS: Final = (
    *GRANTS_KEY,
    GRANT_SERVICE,
    GRANT_SCOPE,
    GRANT_RESOURCES,
    GRANT_NOT_RESOURCES,
    GRANT_CONDITIONS,
    GRANT_SOURCES,
    BOUNDARY_SCOPE,
    BOUNDARY_RESOURCES,
    PARTIAL_DENY,
    PARTIAL_DENY_SOURCES,
)


class GrantScope:
    """Values of :data:`GRANT_SCOPE`, broadest first (the effective scope is the narrowest of
    the identity policies' and the boundary's)."""

    ALL: Final = "all"  # Resource "*" with no Condition
    ALL_EXCEPT: Final = "all_except"  # NotResource with no Condition: all but some ARNs
    RESOURCES: Final = "resources"  # specific ARNs (patterns) with no Condition
    CONDITIONAL: Final = "conditional"  # only under a Condition

    ORDER: Final = (ALL, ALL_EXCEPT, RESOURCES, CONDITIONAL)


# --- unused permissions ---
# Values the unused-permission report (policygen_batch.report.unused) reads from the events.
#: event_category of data events (S3 object calls, Lambda Invoke, DynamoDB items, …): a trail
#: logs them only when selected, so their absence says whether data actions are observable.
DATA_EVENT_CATEGORY: Final = "Data"
#: Prefix of long-term (IAM user) access key ids; ASIA… are temporary session keys.
LONG_TERM_KEY_PREFIX: Final = "AKIA"
