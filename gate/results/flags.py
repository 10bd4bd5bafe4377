"""The plugin's own Locust options (`--gate-results`, `--gate-progress-interval`,
`--gate-stages`, `--gate-warmup`, `--gate-cooldown`, `--gate-profile`, `--gate-thresholds`):
their defaults, their definition on Locust's parser, and reading them from an environment."""

from __future__ import annotations

from typing import Any

DEFAULT_RESULTS = "results.json"
DEFAULT_PROGRESS_INTERVAL = 5.0


def add_arguments(parser: Any, **_kwargs: Any) -> None:
    """Listener of `init_command_line_parser`: adds the plugin's options to Locust's."""
    parser.add_argument(
        "--gate-results",
        metavar="PATH",
        default=DEFAULT_RESULTS,
        include_in_web_ui=False,
        help="locust-gate: where to write the exact results at the end of the run "
        f"(default {DEFAULT_RESULTS})",
    )
    parser.add_argument(
        "--gate-progress-interval",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_PROGRESS_INTERVAL,
        include_in_web_ui=False,
        help="locust-gate: print a progress line to stderr every SECONDS (0 = off, default 5)",
    )
    parser.add_argument(
        "--gate-profile",
        metavar="NAME",
        default=None,
        include_in_web_ui=False,
        help="locust-gate: the profile this run belongs to (recorded in the results and "
        "their fingerprint: each profile has its own baseline history)",
    )

    parser.add_argument(
        "--gate-stages",
        metavar="JSON",
        default=None,
        include_in_web_ui=False,
        help="locust-gate: run these stages (a JSON list of {name, users, spawn_rate, "
        "duration}) with the gate's load shape, and record each stage's own figures",
    )
    parser.add_argument(
        "--gate-warmup",
        metavar="SECONDS",
        type=float,
        default=0.0,
        include_in_web_ui=False,
        help="locust-gate: leave the first SECONDS of the test out of every figure",
    )
    parser.add_argument(
        "--gate-cooldown",
        metavar="SECONDS",
        type=float,
        default=0.0,
        include_in_web_ui=False,
        help="locust-gate: leave the last SECONDS of --run-time out of every figure",
    )
    add_abort_argument(parser)


def add_abort_argument(parser: Any) -> None:
    parser.add_argument(
        "--gate-thresholds",
        metavar="PATH",
        default=None,
        include_in_web_ui=False,
        help="locust-gate: a thresholds file whose `abort:` rules are watched while the "
        "load runs; the run stops early when one holds (locust-gate run passes it)",
    )


def option(environment: Any, name: str, default: Any) -> Any:
    """A parsed Locust option of `environment`, or `default` when unset (or no options)."""
    options = getattr(environment, "parsed_options", None)
    value = getattr(options, name, None) if options is not None else None
    return default if value is None else value
