"""The production files: docker-compose.yml parses and wires its services as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_docker_compose_runs_db_redis_web_worker_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "proxy", "worker", "beat"} <= set(services)
    assert services["db"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    migrate = " ".join(services["migrate"]["command"])
    for step in ("migrate", "load_regions", "load_catalog", "load_nomenclature"):
        assert step in migrate
    web = " ".join(services["web"]["command"])
    assert "gunicorn espm.wsgi -b 0.0.0.0:8000 -w 3" in web and "migrate" not in web
    assert services["worker"]["command"][:4] == ["celery", "-A", "espm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "espm", "beat"]
    env = services["web"]["environment"]
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_HOST"):
        assert name in env
    assert "pgdata" in compose["volumes"]


COMPOSE_SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "espm.example.go.id",
    "AWS_ACCESS_KEY_ID": "key-id",
    "AWS_SECRET_ACCESS_KEY": "key-secret",
}


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    """What Compose itself makes of the file (Debian's docker-compose: schema, interpolation,
    references between services), with only the given variables set."""
    return subprocess.run(  # noqa: S603 — a fixed program and arguments
        ["/usr/bin/docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_validates_and_resolves_with_the_secrets_set():
    done = compose_config(**COMPOSE_SECRETS, WEB_REPLICAS="5")
    assert done.returncode == 0, done.stderr[-2000:]
    services = yaml.safe_load(done.stdout)["services"]
    assert services["web"]["deploy"]["replicas"] == 5
    url = "postgres://espm:pg-secret@db:5432/espm"
    for name in ("migrate", "web", "worker", "worker-documents", "beat"):
        assert services[name]["environment"]["DATABASE_URL"] == url
        assert services[name]["environment"]["SECRET_KEY"] == "s" * 50
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "pg-secret"
    assert compose_config(**COMPOSE_SECRETS).returncode == 0  # WEB_REPLICAS has a default


@pytest.mark.parametrize("missing", sorted(COMPOSE_SECRETS))
def test_compose_refuses_to_start_without_a_secret(missing):
    """No production default for a secret: Compose names the one left unset."""
    env = {name: value for name, value in COMPOSE_SECRETS.items() if name != missing}
    done = compose_config(**env)
    assert done.returncode != 0
    assert f"set {missing}" in done.stderr


def test_web_replicas_share_nothing_behind_the_proxy():
    """Several replicas, reached only through the proxy; files in the bucket, not a volume;
    the schema migrated once before any replica starts."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    web = services["web"]
    assert web["deploy"]["replicas"] == "${WEB_REPLICAS:-3}"
    assert "ports" not in web and "volumes" not in web
    assert web["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    for name in ("worker", "beat"):
        assert "volumes" not in services[name]
    env = web["environment"]
    assert env["STORAGE_BACKEND"] == "s3" and "PRIVATE_ROOT" not in env
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"):
        assert name in env
    assert env["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"  # the proxy is one hop
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000 resolve" in nginx and "X-Forwarded-Proto https" in nginx
    assert "$proxy_add_x_forwarded_for" in nginx and "client_max_body_size 12m" in nginx
    assert max_body_mb() < 12  # the proxy lets the largest accepted request through
    assert services["minio"]["profiles"] == ["minio"]  # optional: any S3-compatible store


def test_each_queue_has_its_workers():
    """Document builds are routed to the queue the documents worker consumes; the rest to
    the queue of the general worker. Read as a fresh process would, from the environment."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    env = services["web"]["environment"]
    queues = {
        name: service["command"][service["command"].index("-Q") + 1]
        for name, service in services.items()
        if "worker" in service.get("command", [])
    }
    assert queues == {"worker": env["CELERY_QUEUE"], "worker-documents": "documents"}
    code = (
        "from espm.celery import app; r = app.amqp.router.route;"
        "print(*(r({}, t)['queue'].name for t in ("
        "'reporting.tasks.generate_document', 'reporting.tasks.generate_batch',"
        "'reporting.tasks.tick', 'reporting.tasks.open_period_job')))"
    )
    done = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "SECRET_KEY": "queues-test-" + "k" * 40,
            "CELERY_QUEUE": env["CELERY_QUEUE"],
            "CELERY_DOCUMENTS_QUEUE": env["CELERY_DOCUMENTS_QUEUE"],
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["documents", "documents", "espm", "espm"]


def test_one_queue_unless_told():
    """Without CELERY_DOCUMENTS_QUEUE every task goes to the default queue, whatever it is."""
    if os.environ.get("CELERY_DOCUMENTS_QUEUE"):
        pytest.skip("this run routes document builds on purpose")
    assert settings.CELERY_TASK_ROUTES == {}


def max_body_mb() -> float:
    return settings.MAX_REQUEST_BYTES / (1024 * 1024)


def test_dockerfile_installs_the_lock_file_and_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.12-slim" in dockerfile
    assert "requirements/base.lock" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in dockerfile
    assert "STATIC_MANIFEST=1" in dockerfile and "collectstatic" in dockerfile
