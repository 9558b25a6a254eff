"""How ``expressdesk serve`` logs: one line per event, with a timestamp, on standard error.

The server (granian), its access log and the application share one plain format; the
application's warnings would otherwise have no handler and reach standard error through
Python's last-resort handler, without time or logger name.
"""

from __future__ import annotations

import logging
from typing import Any

LINE = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_LINE = "%(asctime)s %(message)s"
# The access record's message (granian's atoms): the query string is left out, as it may hold
# the phone digits a visitor typed to unmask a parcel.
ACCESS_FORMAT = '%(addr)s - "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1f ms'


def lean_log_records() -> None:
    """Stop every log record from collecting what these formats never print: the calling
    frame, thread, process and multiprocessing names (the Logging HOWTO's "Optimization"
    switches). The access log writes a record per request."""
    logging._srcfile = None  # documented there: skips sys._getframe() per record
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def server_logging(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server process."""
    stderr = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "line": {"format": LINE},
            "access": {"format": ACCESS_LINE},
        },
        "handlers": {
            "line": {**stderr, "formatter": "line"},
            "access": {**stderr, "formatter": "access"},
        },
        "root": {"handlers": ["line"], "level": level},
        "loggers": {
            "_granian": {"handlers": ["line"], "level": level, "propagate": False},
            "granian.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }
