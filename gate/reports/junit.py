"""junit.xml: one test case per check, so a CI test tab shows the gate's outcome.

`render_junit` for a judged run, `render_junit_error` for a run whose harness failed.
xml.etree is imported inside each: the console table never needs it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gate.core.rules import Level
from gate.core.verdict import Check, Outcome
from gate.errors import HarnessError
from gate.reports import escape
from gate.reports.context import ReportContext, fmt, fmt_limit


def render_junit(ctx: ReportContext) -> str:
    """One test case per check. Fail-level outcomes are <failure>; inconclusive or no-data
    at warn level are <skipped>; warn-level breaches pass with the message in system-out."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415 (only junit.xml needs it, not the console)

    verdict = ctx.verdict
    failed = sum(1 for c in verdict.checks if c.counts_at is Level.FAIL)
    skipped = sum(1 for c in verdict.checks if _is_skipped(c))
    suite = ET.Element(
        "testsuite",
        name="locust-gate",
        tests=str(len(verdict.checks)),
        failures=str(failed),
        errors="0",
        skipped=str(skipped),
        timestamp=datetime.fromtimestamp(ctx.results.meta.end_time, UTC).isoformat(),
    )
    for check in verdict.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=escape.xml(check.endpoint or "run"),
            name=escape.xml(check.metric),
        )
        text = escape.xml(_junit_message(check))
        if check.counts_at is Level.FAIL:
            ET.SubElement(case, "failure", message=text, type=check.outcome.value).text = text
        elif _is_skipped(check):
            ET.SubElement(case, "skipped", message=text)
        elif check.counts_at is Level.WARN:
            ET.SubElement(case, "system-out").text = f"WARNING: {text}"
        else:
            ET.SubElement(case, "system-out").text = text
    root = ET.Element("testsuites", name="locust-gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_junit_error(error: HarnessError) -> str:
    """junit.xml for a run whose harness failed: one test case in error, so a CI test tab
    shows red rather than the previous run's green."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415 (only junit.xml needs it, not the console)

    suite = ET.Element(
        "testsuite", name="locust-gate", tests="1", failures="0", errors="1", skipped="0",
        timestamp=datetime.now(UTC).isoformat(),
    )
    case = ET.SubElement(suite, "testcase", classname="run", name=escape.xml(error.stage))
    message = escape.xml(f"{error.stage}: {error.what}")
    node = ET.SubElement(case, "error", message=message, type=error.stage)
    node.text = escape.xml(error.render())
    root = ET.Element("testsuites", name="locust-gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _is_skipped(check: Check) -> bool:
    """Too little data at warn level: nothing was judged, which JUnit calls skipped."""
    if check.too_few and check.counts_at is None:
        return True  # too few requests to judge, reported without counting: not a pass
    return check.counts_at is Level.WARN and check.outcome in (
        Outcome.INCONCLUSIVE,
        Outcome.NO_DATA,
    )


def _junit_message(check: Check) -> str:
    head = (
        f"{check.metric}: measured {fmt(check.measured, check.unit)}, "
        f"limit {fmt_limit(check)}, outcome {check.outcome.value}"
    )
    return f"{head} - {check.message}" if check.message else head
