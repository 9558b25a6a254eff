import pytest
from pydantic import ValidationError

from expressdesk.config import Settings


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production")


def test_production_starts_with_a_real_secret() -> None:
    settings = Settings(environment="production", secret_key="x" * 40)
    assert settings.environment == "production"


def test_database_defaults_to_the_sqlite_file_in_the_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url="")
    assert (
        settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'expressdesk.sqlite3'}"
    )


def test_waybill_prefix_must_be_capital_letters() -> None:
    with pytest.raises(ValidationError, match="waybill_prefix"):
        Settings(waybill_prefix="e1")
