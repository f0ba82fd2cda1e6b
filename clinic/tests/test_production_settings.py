"""Production settings, loaded as production loads them: in a fresh process with the environment
an operator sets (README's table). Nothing here touches a database: the one named does not exist."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinic.models import User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CACHE_", "TRUSTED_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="book.clinic.example",
        DATABASE_URL="postgres:///clinic_production_settings_test_absent",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        CLINIC_VAR_DIR=str(tmp_path / "var"),
    )
    return env


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def production_settings(env, *names) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    done = run(env, "-c", code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_under_production_settings_prints_no_warnings(production_env):
    done = run(production_env, "manage.py", "check", "--deploy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in done.stderr and "?: (" not in done.stderr


def test_production_keeps_to_the_cache_key_prefix_it_is_given(production_env):
    assert (
        production_settings({**production_env, "CACHE_KEY_PREFIX": "lumen"}, "CACHES")["CACHES"]["default"][
            "KEY_PREFIX"
        ]
        == "lumen"
    )
    assert production_settings(production_env, "CACHES")["CACHES"]["default"]["KEY_PREFIX"] == "clinic"


def test_the_trusted_proxy_count_comes_from_the_environment_and_defaults_to_none(production_env):
    assert production_settings(production_env, "ALLAUTH_TRUSTED_PROXY_COUNT") == {"ALLAUTH_TRUSTED_PROXY_COUNT": 0}
    configured = production_settings({**production_env, "TRUSTED_PROXY_COUNT": "1"}, "ALLAUTH_TRUSTED_PROXY_COUNT")
    assert configured == {"ALLAUTH_TRUSTED_PROXY_COUNT": 1}


@pytest.mark.parametrize("command", [["seed_demo"], ["demo_totp", "anna@clinic.example"]])
def test_demo_commands_refuse_to_run_under_production_settings(production_env, command):
    done = run(production_env, "manage.py", *command)
    assert done.returncode != 0
    assert f"{command[0]} refuses to run under these settings (clinic.settings.production)" in done.stderr
    assert done.stdout == ""  # no code printed, no logins printed


@pytest.mark.django_db
def test_seed_demo_creates_nobody_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="must never exist in production"):
        call_command("seed_demo")
    with pytest.raises(CommandError, match="must never exist in production"):
        call_command("demo_totp", "anna@clinic.example")
    assert not User.objects.exists()
