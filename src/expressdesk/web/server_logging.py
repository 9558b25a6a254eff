"""How ``expressdesk serve`` logs: one line per event, with a timestamp, on standard error.

Uvicorn's own configuration prints no time and copies every access record to colour it
(about a tenth of a public tracking lookup's CPU); the application's warnings had no handler
at all and reached standard error through Python's last-resort handler, without time or
logger name. Here the server, its access log and the application share one plain format.
"""

from __future__ import annotations

from typing import Any

LINE = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Uvicorn's access message is already '<client> - "<method> <path> HTTP/<v>" <status>'.
ACCESS_LINE = "%(asctime)s %(message)s"


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
            "uvicorn": {"handlers": ["line"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }
