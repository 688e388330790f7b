"""moto's server with the plugin loaded, with logging of starts, stops and errors.

Touches moto internals: serves moto's `DomainDispatcherApplication` with moto's
request handler, as `moto_server` does.
"""

from __future__ import annotations

import logging
import signal
import urllib.parse
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from .plugin import install

logger = logging.getLogger("moto_cloudhsm_ks.server")

StartResponse = Callable[..., Any]


class ErrorLoggingApp:
    """WSGI middleware that logs an unhandled error and returns 500 instead.

    The log line names the method, path and AWS target only: request bodies may
    hold passwords and are never logged.
    """

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        try:
            return self.app(environ, start_response)
        except Exception as error:
            target = environ.get("HTTP_X_AMZ_TARGET", "-")
            # The traceback shows code lines, never request data.
            logger.error(
                "Request %s %s (target %s) failed: %s: %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                target,
                type(error).__name__,
                error,
                exc_info=error,
            )
            body = (
                b'{"__type": "InternalFailure", "message": "The mock failed to '
                b'answer this request. See the server log."}'
            )
            start_response(
                "500 Internal Server Error",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]


class RequestLogHandler(MotoRequestHandler):
    """moto's request handler, logging one plain line per request.

    The line has the method, the path without its query string, and the status:
    a query string may carry a secret, and werkzeug's colour codes would clutter
    a log file.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urllib.parse.urlsplit(getattr(self, "path", "")).path
        logger.info(
            "%s %s %s %s",
            self.address_string(),
            getattr(self, "command", "-"),
            path or "-",
            code,
        )


def build_server(host: str, port: int) -> BaseWSGIServer:
    """Build moto's threaded WSGI server with the plugin installed."""
    install()
    app = ErrorLoggingApp(DomainDispatcherApplication(create_backend_app))
    return make_server(
        host, port, app, threaded=True, request_handler=RequestLogHandler
    )


def serve(host: str, port: int) -> int:
    """Serve until SIGINT or SIGTERM, logging the start and the stop.

    Return the exit status: 0 after a stop, 1 if the server cannot listen.
    """
    try:
        server = build_server(host, port)
    except SystemExit:
        # werkzeug prints why it cannot listen, such as "Address already in use"
        # or an unknown host name, and exits.
        logger.error(
            "moto-cloudhsm-ks server cannot listen on %s:%d (reason above)", host, port
        )
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    logger.info(
        "moto-cloudhsm-ks server started on http://%s:%d",
        host,
        server.server_port,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        logger.info("moto-cloudhsm-ks server stopped")
    return 0
