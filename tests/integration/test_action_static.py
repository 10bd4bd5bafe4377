"""Static checks of action.yml and every workflow, with the real tools (all offline):
check-jsonschema with its vendored GitHub schemas, zizmor (no finding of medium severity
or above), actionlint; plus the rules the tools do not know: inputs reach scripts through
`env:` only, nothing reads INPUT_*, pins are full SHAs with a version comment, and the
input table, the README and `locust-gate run` agree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gate.action import inputs as action_inputs
from gate.commands.run import run as run_command
from gate.harness.config import KEYS
from tests.support import actiondoc

REPO = actiondoc.REPO
BIN = Path(sys.executable).parent
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((REPO / "docs" / "examples").glob("*.yml"))
ALL_WORKFLOWS = WORKFLOWS + EXAMPLES
EXPRESSION = re.compile(r"\$\{\{")


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)


def test_there_is_something_to_check() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "self-test.yml", "nightly.yml", "pr-comment.yml"} <= names
    assert len(EXAMPLES) >= 5


def test_action_and_workflows_match_githubs_schemas() -> None:
    action = tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION))
    assert action.returncode == 0, action.stdout + action.stderr
    flows = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                 *map(str, ALL_WORKFLOWS))
    assert flows.returncode == 0, flows.stdout + flows.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_above() -> None:
    result = tool("zizmor", "--offline", "--format", "json", "--config",
                  ".github/zizmor.yml", str(ACTION), *map(str, ALL_WORKFLOWS))
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr  # 1x: findings by severity
    findings = json.loads(result.stdout)
    serious = [
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
        f"{f['locations'][0]['symbolic']['key']['Local']['given_path']}"
        for f in findings
        if f["determinations"]["severity"] not in ("Informational", "Low", "Unknown")
    ]
    assert not serious, "\n".join(serious)


def test_actionlint_passes_on_every_workflow() -> None:
    # The workflows with `uses: ./` make actionlint check action.yml's inputs and outputs.
    result = tool("actionlint", "-no-color", *map(str, ALL_WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def _run_steps(doc: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
    found = []
    runs = doc.get("runs")
    if isinstance(runs, dict):
        found += [("action.yml", s) for s in runs["steps"]]
    jobs = doc.get("jobs")
    if isinstance(jobs, dict):
        for job_name, job in jobs.items():
            found += [(job_name, s) for s in job.get("steps", [])]
    return found


@pytest.mark.parametrize("path", [ACTION, *ALL_WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_run_and_every_action_pinned(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    for where, step in _run_steps(doc):
        if "run" in step:
            assert not EXPRESSION.search(str(step["run"])), f"{where}: ${{{{ }}}} in run:"
        uses = step.get("uses")
        if isinstance(uses, str) and not uses.startswith("./") and uses != "OWNER/locust-gate@v1":
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
    for line in path.read_text().splitlines():
        if re.search(r"uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}", line):
            assert re.search(r"# v\d+\.\d+\.\d+", line), f"no version comment: {line.strip()}"


def test_the_same_third_party_action_is_pinned_to_the_same_sha_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in [ACTION, *ALL_WORKFLOWS]:
        for repo, sha in re.findall(r"uses:\s*([\w.-]+/[\w.-]+)[\w./-]*@([0-9a-f]{40})",
                                    path.read_text()):
            pins.setdefault(repo, set()).add(sha)
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


def test_no_script_of_the_action_reads_input_variables() -> None:
    # GitHub sets no INPUT_* for composite actions (act does): nothing may depend on them.
    files = [ACTION, *sorted((REPO / "action").iterdir()), *sorted((REPO / "gate").rglob("*.py"))]
    offenders = [str(f.relative_to(REPO)) for f in files if "INPUT_" in f.read_text()]
    assert not offenders


def test_every_input_reaches_the_scripts_through_env_under_its_derived_name() -> None:
    doc = actiondoc.action()
    declared = set(doc["inputs"])
    used: set[str] = set()
    for step in doc["runs"]["steps"]:
        for name, value in (step.get("env") or {}).items():
            match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", str(value))
            if match:
                assert name == action_inputs.env_name(match.group(1)) or name == "GITHUB_TOKEN"
                used.add(match.group(1))
        for value in (step.get("with") or {}).values():
            used |= set(re.findall(r"inputs\.([\w-]+)", str(value)))
        used |= set(re.findall(r"inputs\.([\w-]+)", str(step.get("if", ""))))
    assert declared == used, f"declared but unused: {declared - used}; unknown: {used - declared}"
    run_step = next(s for s in doc["runs"]["steps"] if s.get("id") == "run")
    for setting in action_inputs.RUN_INPUTS:
        assert setting.action is not None
        assert action_inputs.env_name(setting.action.name) in run_step["env"], setting.key


def test_inputs_map_one_to_one_onto_the_run_settings_and_the_actions_own() -> None:
    # The run inputs are the settings table's rows with an ActionInput; each flag is the
    # run command's own (gate.harness.settings.SETTINGS), so nothing here can drift.
    flags = {opt for p in run_command.params for opt in getattr(p, "opts", [])}
    names = [s.action.name for s in action_inputs.RUN_INPUTS if s.action is not None]
    assert len(names) == len(set(names)) and {s.key for s in action_inputs.RUN_INPUTS} <= set(KEYS)
    assert all(s.flag in flags for s in action_inputs.RUN_INPUTS)
    declared = set(actiondoc.action()["inputs"])
    assert declared == set(names) | set(action_inputs.OTHER_INPUTS)
    assert not set(names) & set(action_inputs.OTHER_INPUTS)


def test_outputs_are_the_step_outputs_the_gate_writes() -> None:
    from gate.action.steps import OUTPUTS

    outputs = actiondoc.action()["outputs"]
    assert tuple(outputs) == OUTPUTS
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"


def test_readme_tables_match_action_yml() -> None:
    readme = (REPO / "README.md").read_text()
    assert actiondoc.readme_tables(readme) == actiondoc.tables(), (
        "README's input/output tables are out of date: paste the output of "
        "`python -m tests.support.actiondoc`"
    )


def test_readme_workflow_is_the_pr_gate_example_the_act_test_runs() -> None:
    readme = (REPO / "README.md").read_text()
    first_yaml = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert first_yaml is not None
    assert first_yaml.group(1) == (REPO / "docs" / "examples" / "pr-gate.yml").read_text()


def test_action_requirements_pin_every_dependency_within_its_range() -> None:
    import tomllib

    from packaging.requirements import Requirement

    pins = {}
    for line in (REPO / "action" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{req.name} is not pinned in action/requirements.txt"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is not {spec}"
