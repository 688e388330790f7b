"""The `moto-cloudhsm-ks` console script: `server`, `demo` and `cloudhsm-cli`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import cloudhsm_cli_command, demo, server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moto-cloudhsm-ks",
        description="moto with KMS custom key stores on mocked CloudHSM clusters.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "server", help="run moto's server with the plugin loaded"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1)",
    )
    serve.add_argument(
        "--port", type=int, default=5000, help="TCP port to listen on (default: 5000)"
    )
    commands.add_parser(
        "demo",
        help="replay the AWS CloudHSM key store walkthrough against an in-process mock",
    )
    cloudhsm_cli_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "demo":
        demo.run(sys.stdout)
        return 0
    if arguments.command == "cloudhsm-cli":
        return cloudhsm_cli_command.run(arguments, sys.stdin, sys.stdout)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return server.serve(arguments.host, arguments.port)


if __name__ == "__main__":
    sys.exit(main())
