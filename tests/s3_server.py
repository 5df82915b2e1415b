"""A local S3-compatible server for the object-storage tests: moto's server mode on a free
port of 127.0.0.1, started once per test process. Test modules import the fixtures; they
skip (only) when moto, a dev dependency, is not installed."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

BUCKET = "espm-test"
KEYS = {"access_key": "espm-test-key", "secret_key": "espm-test-secret"}
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
            region_name=REGION,
        )

    def keys(self, prefix: str) -> list[str]:
        found = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in found.get("Contents", []))

    def storages(self, location: str) -> dict[str, dict[str, Any]]:
        """``STORAGES`` entries as ``STORAGE_BACKEND=s3`` builds them, under ``location``."""
        options = {
            "bucket_name": BUCKET,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
            "max_memory_size": 2 * 1024 * 1024,
            **KEYS,
        }
        return {
            "default": {
                "BACKEND": "espm.s3.PrivateS3Storage",
                "OPTIONS": {**options, "location": f"{location}/media"},
            },
            "private": {
                "BACKEND": "espm.s3.PrivateS3Storage",
                "OPTIONS": {**options, "location": f"{location}/private"},
            },
        }

    def env(self, location: str) -> dict[str, str]:
        """The same storage for an app server process, through its environment."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": KEYS["access_key"],
            "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
            "AWS_MEDIA_LOCATION": f"{location}/media",
            "AWS_PRIVATE_LOCATION": f"{location}/private",
        }


@pytest.fixture(scope="session")
def s3_server():
    server_module = pytest.importorskip("moto.server", reason="moto (dev extra) is not installed")
    pytest.importorskip("storages.backends.s3", reason="django-storages[s3] is not installed")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(f"http://{host}:{port}")
    s3.client().create_bucket(Bucket=BUCKET)
    yield s3
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """This test's files go to the bucket, under a folder of its own."""
    location = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, **s3_server.storages(location)}
    yield location
