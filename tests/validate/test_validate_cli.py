"""The three commands through ``policygen_batch.cli.app.main``: exit codes and output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from policygen_batch.cli.app import main

GOOD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
BAD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObjekt", "iam:PassRole"], "Resource": "*"}],
}
WARN_ONLY = {
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
}


def write(tmp_path: Path, name: str, doc: Any) -> str:
    """Write a policy file and return its path."""
    path = tmp_path / name
    path.write_bytes(
        doc if isinstance(doc, bytes) else orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    )
    return str(path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the CLI, returning (exit status, stdout)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0), capsys.readouterr().out


def test_validate_clean_policy_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A clean policy: status 0 and a summary line."""
    code, out = run(["validate", write(tmp_path, "ok.json", GOOD)], capsys)
    assert code == 0
    assert "0 finding(s)" in out


def test_validate_json_names_files_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors exit 3; the JSON array names the file of each finding when several are given."""
    ok, bad = write(tmp_path, "ok.json", GOOD), write(tmp_path, "bad.json", BAD)
    code, out = run(["validate", ok, bad, "--format", "json"], capsys)
    assert code == 3
    rows = orjson.loads(out)
    assert {r["issue_code"] for r in rows} == {"INVALID_ACTION", "PASS_ROLE_WITH_STAR_IN_RESOURCE"}
    assert {r["file"] for r in rows} == {bad}
    assert all(r["path"].startswith("Statement[0].Action") for r in rows)


def test_fail_on_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A WARNING alone passes at the default threshold and fails at --fail-on warning."""
    path = write(tmp_path, "warn.json", WARN_ONLY)
    assert run(["validate", path], capsys)[0] == 0
    assert run(["validate", path, "--fail-on", "warning"], capsys)[0] == 3
    assert run(["validate", path, "--fail-on", "security_warning"], capsys)[0] == 0


def test_validate_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SARIF 2.1.0 with rules for the codes and results pointing at lines of the file."""
    path = write(tmp_path, "bad.json", BAD)
    code, out = run(["validate", path, "--format", "sarif"], capsys)
    assert code == 3
    log = orjson.loads(out)
    assert log["version"] == "2.1.0"
    run0 = log["runs"][0]
    assert {r["id"] for r in run0["tool"]["driver"]["rules"]} == {
        "INVALID_ACTION",
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    }
    res = run0["results"][0]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


def test_validate_bad_json_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad JSON is a JSON_SYNTAX_ERROR finding (3); a missing file is a usage error (2)."""
    broken = write(tmp_path, "broken.json", b'{"Version": ')
    code, out = run(["validate", broken, "--format", "json"], capsys)
    assert code == 3 and orjson.loads(out)[0]["issue_code"] == "JSON_SYNTAX_ERROR"
    assert run(["validate", str(tmp_path / "nope.json")], capsys)[0] == 2


def test_policy_type_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--policy-type resource asks for a Principal."""
    path = write(tmp_path, "ok.json", GOOD)
    code, out = run(["validate", path, "--policy-type", "resource", "--format", "json"], capsys)
    assert code == 3
    assert "MISSING_PRINCIPAL" in {r["issue_code"] for r in orjson.loads(out)}


def test_check_no_new_access(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """PASS exits 0, FAIL exits 3 with reasons in JSON."""
    ok, bad = write(tmp_path, "ok.json", GOOD), write(tmp_path, "bad.json", BAD)
    code, out = run(["check-no-new-access", ok, ok], capsys)
    assert code == 0 and out.startswith("PASS")
    code, out = run(["check-no-new-access", ok, bad, "--format", "json"], capsys)
    result = orjson.loads(out)
    assert code == 3 and result["result"] == "FAIL"
    assert any("iam:PassRole" in r["actions"] for r in result["reasons"])


def test_check_access_not_granted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Actions not granted: PASS (0); granted: FAIL (3); no action nor resource: usage (2)."""
    ok = write(tmp_path, "ok.json", GOOD)
    code, out = run(["check-access-not-granted", ok, "--action", "s3:PutObject"], capsys)
    assert code == 0 and out.startswith("PASS")
    argv = ["check-access-not-granted", ok, "--action", "s3:GetObject", "--format", "json"]
    code, out = run([*argv, "--resource", "arn:aws:s3:::b/k"], capsys)
    assert code == 3 and orjson.loads(out)["result"] == "FAIL"
    assert run(["check-access-not-granted", ok], capsys)[0] == 2


def test_custom_check_on_non_json_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy file that is not JSON is bad input (4), not a verdict."""
    ok, broken = write(tmp_path, "ok.json", GOOD), write(tmp_path, "x.json", b"not json")
    assert run(["check-no-new-access", ok, broken], capsys)[0] == 4
