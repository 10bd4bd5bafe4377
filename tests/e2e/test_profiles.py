"""Profiles for real: docs/examples/support-agent (its own small backend, three weighted user
classes) run as `locust-gate run --profile smoke` and `--profile stress`, each a few
seconds (flags override the profile's run time and put the backend on a free port).

The same code passes smoke's thresholds (10 users never find the 16 agents busy: 0 %
errors against a 0.1 % target) and fails stress's (60 users do: 503s against 1 %). The
stress run's request mix holds the weights of `user-classes`; the smoke run saved as the
baseline is not compared with the stress run; and the two runs' reports, posted on one
pull request of the fake GitHub, stay two comments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_orchestrate import run_gate
from tests.integration.test_comment import actions_env, ours
from tests.integration.test_comment import run as comment
from tests.support import backend
from tests.support.fake_github import FakeGitHub
from tests.support.gaterun import GateRun

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "support-agent"
CONFIG = EXAMPLE / "locust-gate.yml"
WEIGHTS = {"/api/webform": 50, "/api/email": 30, "/api/whatsapp": 20}  # as in CONFIG


@dataclass(frozen=True)
class Run:
    gate: GateRun
    code: int
    out: Path

    def json(self, name: str) -> dict[str, Any]:
        data = json.loads((self.out / name).read_text())
        assert isinstance(data, dict)
        return data


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """smoke (saved as the baseline), then stress (compared with that store)."""
    tmp = tmp_path_factory.mktemp("profiles")
    port = backend.free_port()
    store = f"{tmp}/history/"
    done = {}
    for profile, store_flag in (("smoke", "--save-baseline"), ("stress", "--baseline")):
        out = tmp / profile
        gate_run, code = run_gate(
            CONFIG, "--profile", profile, "--run-time", "4s",
            "--host", f"http://127.0.0.1:{port}",
            "--start", f"{{python}} server.py --port {port}",
            "--health", f"http://127.0.0.1:{port}/health",
            "--output-dir", str(out), store_flag, store,
        )  # fmt: skip
        done[profile] = Run(gate=gate_run, code=code, out=out)
    return done


def test_the_same_code_passes_one_profiles_thresholds_and_fails_the_others(
    runs: dict[str, Run],
) -> None:
    smoke, stress = runs["smoke"], runs["stress"]
    assert smoke.code == 0, smoke.gate.stderr + smoke.gate.stdout
    assert stress.code == 1, stress.gate.stderr + stress.gate.stdout
    assert "profile smoke" in smoke.gate.stderr
    failed = {(c["endpoint"], c["metric"]) for c in stress.json("verdict.json")["checks"]
              if c["outcome"] == "breached"}
    assert ("Aggregated", "fail-ratio") in failed  # 503s: all agents busy, over 1 %
    assert smoke.json("results.json")["total"]["num_failures"] == 0
    for run, profile, target in ((smoke, "smoke", "0.10 %"), (stress, "stress", "1.00 %")):
        assert run.json("results.json")["meta"]["profile"] == profile
        assert run.json("verdict.json")["run"]["profile"] == profile
        assert f"Load test gate ({profile})" in (run.out / "report.md").read_text().splitlines()[1]
        assert f"Load test gate ({profile})" in (run.out / "comment.md").read_text()
        assert f"≤ {target}" in run.gate.stdout  # each profile's own thresholds file


def test_class_weights_hold_in_the_request_mix(runs: dict[str, Run]) -> None:
    stress = runs["stress"]
    log = (stress.out / "locust.log").read_text()
    # Locust's own dispatcher, with the weights from --config-users: 60 users as 50:30:20.
    assert '{"EmailUser": 18, "WebFormUser": 30, "WhatsAppUser": 12}' in log
    endpoints = {e["name"]: e["num_requests"] for e in stress.json("results.json")["endpoints"]}
    total = sum(endpoints.values())
    assert total >= 1000, endpoints
    for name, weight in WEIGHTS.items():
        share = 100 * endpoints[name] / total
        assert abs(share - weight) <= 3, (name, share, endpoints)


def test_a_baseline_saved_under_one_profile_is_not_compared_with_another(
    runs: dict[str, Run],
) -> None:
    smoke, stress = runs["smoke"], runs["stress"]
    assert "saved this run as runs/" in smoke.gate.stderr
    saved = smoke.json("results.json")["meta"]
    stress_meta = stress.json("results.json")["meta"]
    assert saved["fingerprint"] != stress_meta["fingerprint"]
    verdict = stress.json("verdict.json")
    compared = [c for c in verdict["checks"]
                if c["comparison"] is not None and c["outcome"] in ("pass", "regressed")]
    assert not compared, compared
    assert "not comparable with the baseline" in json.dumps(verdict)


def test_two_profiles_keep_two_comments_on_one_pull_request(
    runs: dict[str, Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeGitHub() as gh:
        gh.add_pull("octo/app", 7, head_sha="6dcb09b5b57875f334f61aebed695e2e4193db5e")
        actions_env(monkeypatch, tmp_path, gh)
        for profile in ("smoke", "stress", "smoke"):  # smoke's second run edits its own
            code, text = comment(capsys, "--report-dir", str(runs[profile].out))
            assert code == 0, text
        bodies = [str(c["body"]) for c in ours(gh)]
    assert len(bodies) == 2, bodies
    assert "<!-- locust-gate:comment id=default-smoke -->" in bodies[0]
    assert "Load test gate (smoke)" in bodies[0]
    assert "<!-- locust-gate:comment id=default-stress -->" in bodies[1]
    assert "Load test gate (stress)" in bodies[1]


def test_unknown_profile_and_unknown_class_are_exit_2_before_anything_starts(
    tmp_path: Path,
) -> None:
    gate_run, code = run_gate(CONFIG, "--profile", "stres", "--output-dir", str(tmp_path / "a"))
    assert code == 2
    assert "no profile 'stres'" in gate_run.stderr
    assert "did you mean 'stress'? the profiles are: smoke, stress, spike" in gate_run.stderr
    gate_run, code = run_gate(
        CONFIG, "--profile", "smoke", "--user-class", "SmsUser", "--user-class", "EmailUsr",
        "--output-dir", str(tmp_path / "b"))  # fmt: skip
    assert code == 2
    assert "SmsUser, EmailUsr (did you mean EmailUser?)" in gate_run.stderr
    assert "WebFormUser, EmailUser, WhatsAppUser" in gate_run.stderr
    assert "Traceback" not in gate_run.stderr
    assert not (tmp_path / "b" / "backend.log").exists()  # the backend never started
