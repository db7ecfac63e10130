"""Principal names, paths, permission sets and collision-free folders."""

from __future__ import annotations

from policygen_batch.report.principals import permission_set_of, resolve, safe_name, split_arn
from policygen_batch.schema import PrincipalType as K

A = "111122223333"


def test_split_arn_keeps_the_path_apart() -> None:
    """Role and user ARNs split into IAM path and name; no path is "/"."""
    assert split_arn(f"arn:aws:iam::{A}:role/service/notify/NotifyApiRole") == (
        "/service/notify/",
        "NotifyApiRole",
    )
    assert split_arn(f"arn:aws:iam::{A}:user/alice") == ("/", "alice")


def test_permission_set_names() -> None:
    """The permission set is between the prefix and the last underscore (names may have _)."""
    assert permission_set_of("AWSReservedSSO_ReadOnlyAccess_50d7941d27f9c55d") == "ReadOnlyAccess"
    assert permission_set_of("AWSReservedSSO_Data_Eng_0123456789abcdef") == "Data_Eng"
    assert permission_set_of("AWSReservedSSO_") is None
    assert permission_set_of("Deployer") is None


def test_folders_by_kind_and_reasons() -> None:
    """Roles, SSO and service-linked roles under roles/, users under users/, root apart."""
    infos = resolve(
        [
            (f"arn:aws:iam::{A}:role/app/Deployer", K.ROLE, A),
            (f"arn:aws:iam::{A}:user/alice", K.USER, A),
            (f"arn:aws:iam::{A}:root", K.ROOT, A),
            (
                f"arn:aws:iam::{A}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
                K.SERVICE_LINKED_ROLE,
                A,
            ),
            (
                f"arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Dev_0a1b",
                K.SSO_ROLE,
                A,
            ),
        ]
    )
    by_name = {i.name: i for i in infos}
    assert by_name["Deployer"].folder == f"{A}/roles/Deployer"
    assert by_name["Deployer"].path == "/app/"
    assert by_name["alice"].folder == f"{A}/users/alice"
    assert by_name["root"].folder == f"{A}/root"
    assert by_name["AWSReservedSSO_Dev_0a1b"].permission_set == "Dev"
    assert by_name["AWSReservedSSO_Dev_0a1b"].gets_policy
    slr = by_name["AWSServiceRoleForECS"]
    assert not slr.gets_policy
    assert "service-linked" in (slr.no_policy_reason or "")
    assert "root" in (by_name["root"].no_policy_reason or "")


def test_colliding_names_get_stable_suffixes() -> None:
    """One role seen under two paths, or names equal but for case, never share a folder."""
    infos = resolve(
        [
            (f"arn:aws:iam::{A}:role/app/Worker", K.ROLE, A),
            (f"arn:aws:iam::{A}:role/Worker", K.ROLE, A),
            (f"arn:aws:iam::{A}:role/worker2", K.ROLE, A),
            (f"arn:aws:iam::{A}:user/Bob", K.USER, A),
            (f"arn:aws:iam::{A}:user/bob", K.USER, A),
        ]
    )
    folders = [i.folder for i in infos]
    assert len({f.lower() for f in folders}) == len(folders)
    assert f"{A}/roles/worker2" in folders
    worker = sorted(f for f in folders if "/roles/Worker~" in f)
    assert len(worker) == 2
    again = resolve([(i.arn, i.kind, i.account) for i in reversed(infos)])
    assert [i.folder for i in again] == folders


def test_safe_names() -> None:
    """IAM name characters are kept; separators and dot-names cannot escape the folder."""
    assert safe_name("a+b=c,d.e@f_g-h") == "a+b=c,d.e@f_g-h"
    assert safe_name("../x") == ".._x"
    assert safe_name("..") == "_.."
    assert safe_name("") == "_"
