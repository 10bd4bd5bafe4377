"""The kind of machine this process runs on (`gate.core.comparability.Machine`): the CPU
model from /proc/cpuinfo (Linux; `platform.processor()` elsewhere) and the number of
logical CPUs. Recorded with every stored run and compared with the machine that judges
a run (the same job as its load test in `run` and the Action), so a baseline from
another kind of runner is flagged."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from gate.core.comparability import Machine

CPUINFO = Path("/proc/cpuinfo")
MAX_CPU_TEXT = 200  # a model name is ~50 characters; a longer one is cut


def current() -> Machine:
    return Machine(cpu=_cpu_model(), cores=os.cpu_count())


def _cpu_model() -> str | None:
    try:
        text = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        # x86 says "model name"; some ARM kernels "Processor" or "Hardware" only.
        if key.strip().lower() in ("model name", "processor name", "cpu model") and value.strip():
            return " ".join(value.split())[:MAX_CPU_TEXT]
    return " ".join(platform.processor().split())[:MAX_CPU_TEXT] or None
