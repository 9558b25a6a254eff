"""Photos of problem parcels: checked by content (not by name), stored under the data directory
by a random name, never by the uploader's file name."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
import warnings
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.errors import PayloadTooLarge, ValidationFailed
from expressdesk.models import ProblemPhoto, User
from expressdesk.problems.intake import record_action
from expressdesk.problems.rules import ActionKind
from expressdesk.problems.service import for_change

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000  # a phone photo is ~12 MP; more is a decompression bomb
_BROKEN = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def check_photo(data: bytes, settings: Settings) -> tuple[str, str]:
    """The photo's content type and extension, or a clear error (size, type, broken file)."""
    if len(data) > settings.photo_max_bytes:
        raise PayloadTooLarge(
            f"photo: larger than {settings.photo_max_bytes // (1024 * 1024)} MB ({len(data)} bytes)"
        )
    if not data:
        raise ValidationFailed.on("photo", "empty", "the file is empty")
    wrong = ValidationFailed.on("photo", "image_type", "must be a JPEG, PNG or WebP image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                width, height = image.size
                image.verify()
    except _BROKEN as exc:
        raise wrong from exc
    if fmt not in FORMATS:
        raise wrong
    if width * height > MAX_PIXELS:
        raise ValidationFailed.on("photo", "too_many_pixels", "the image is too large in pixels")
    return FORMATS[fmt]


def _write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / name
    temporary = directory / f".{name}.part"
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, final)
    return final


def add_photo(
    session: Session,
    problem_id: int,
    actor: User,
    filename: str,
    data: bytes,
    now: datetime,
    settings: Settings,
) -> ProblemPhoto:
    """Check and store one photo and put it on the problem's timeline."""
    problem = for_change(session, problem_id, actor, "photo", None)
    content_type, ext = check_photo(data, settings)
    relative = f"{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"
    path = _write(settings.photo_dir / f"{now:%Y/%m}", relative.rsplit("/", 1)[1], data)
    try:
        photo = ProblemPhoto(
            problem_id=problem.id,
            stored_name=relative,
            original_name=(Path(filename).name or "photo")[:200],
            content_type=content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by_id=actor.id,
            uploaded_at=now,
        )
        session.add(photo)
        record_action(
            session,
            problem,
            ActionKind.PHOTO,
            now,
            actor,
            data={"photo": relative, "name": photo.original_name},
        )
        session.flush()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return photo


def photo_path(photo: ProblemPhoto, settings: Settings) -> Path:
    """Where a stored photo is; refuses any name that would leave the photo directory."""
    root = settings.photo_dir.resolve()
    path = (root / photo.stored_name).resolve()
    if root not in path.parents:
        raise ValidationFailed.on("photo", "bad_path", "stored photo path is outside the store")
    return path
