"""Fetching and reading feed files: https only, certificates checked, sizes bounded before
anything is parsed. A local https server stands in for the feed's host (no internet)."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from costing.feeds import FeedError
from costing.models import CloudGpuOffer, FeedImport
from costing.services import public_catalog_load
from costing.services.feed_fetch import FeedTooLarge, feed_fetch, feed_read_file
from tests.costing.feeds.conftest import feed_bytes

NEBIUS = "skypilot-nebius-vms-gpu.csv"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # a body without Content-Length ends with the connection

    def do_GET(self):
        if self.path == "/nebius.csv":
            body = feed_bytes(NEBIUS)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/announced-big":
            self.send_response(200)
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        elif self.path == "/unannounced-big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        else:
            self.send_response(302)
            self.send_header("Location", "https://example.org/elsewhere")
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(cert)
    server.shutdown()
    server.server_close()


@pytest.fixture
def trusted(https_server, settings):
    base, cert = https_server
    settings.SOVRA_FEED_CA_BUNDLE = cert
    return base


def test_an_address_other_than_https_is_refused_before_connecting():
    with pytest.raises(FeedError, match="only https:// addresses are fetched"):
        feed_fetch(url="http://127.0.0.1:9/vms.csv")
    with pytest.raises(FeedError, match="only https://"):
        feed_fetch(url="file:///etc/passwd")


def test_a_https_feed_is_fetched_with_its_certificate_checked(trusted):
    assert feed_fetch(url=f"{trusted}/nebius.csv") == feed_bytes(NEBIUS)


def test_an_untrusted_certificate_is_refused(https_server, settings):
    settings.SOVRA_FEED_CA_BUNDLE = ""
    with pytest.raises(FeedError, match="could not fetch"):
        feed_fetch(url=f"{https_server[0]}/nebius.csv")


def test_announced_and_streamed_sizes_over_the_limit_are_refused(trusted, settings):
    settings.SOVRA_FEED_MAX_BYTES = 1000
    with pytest.raises(FeedTooLarge, match="5,000 bytes, above the 1,000"):
        feed_fetch(url=f"{trusted}/announced-big")
    with pytest.raises(FeedTooLarge, match="above the 1,000 bytes"):
        feed_fetch(url=f"{trusted}/unannounced-big")


def test_a_redirect_is_not_followed(trusted):
    with pytest.raises(FeedError, match=r"answered 302 \(to https://example\.org/elsewhere"):
        feed_fetch(url=f"{trusted}/moved")


@pytest.mark.django_db
def test_catalog_sync_from_a_url_makes_a_draft(trusted):
    public_catalog_load()
    out = StringIO()
    call_command(
        "catalog_sync", "--source", "skypilot-nebius", "--url", f"{trusted}/nebius.csv", stdout=out
    )
    imported = FeedImport.objects.get()
    assert imported.file_name == f"{trusted}/nebius.csv"
    rows = CloudGpuOffer.objects.in_catalog(imported.catalog)
    assert rows.filter(source_row__startswith="skypilot-nebius:").count() == 21
    assert f"(id {imported.catalog_id})" in out.getvalue()


@pytest.mark.django_db
def test_catalog_sync_refuses_plain_http_and_oversized_urls(trusted, settings):
    with pytest.raises(CommandError, match="only https://"):
        call_command("catalog_sync", "--source", "litellm", "--url", "http://127.0.0.1:9/x.json")
    settings.SOVRA_FEED_MAX_BYTES = 1000
    with pytest.raises(CommandError, match="above the 1,000 bytes"):
        call_command("catalog_sync", "--source", "litellm", "--url", f"{trusted}/announced-big")
    assert not FeedImport.objects.exists()


@pytest.mark.django_db
def test_a_100_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    """GIVEN a 100 MB file that is no JSON at all
    WHEN it is given to catalog_sync
    THEN the refusal names its size (a parser would have said 'not a JSON document')."""
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no 100 MB written to disk
    with pytest.raises(FeedTooLarge, match="104,857,600 bytes, above the 20,971,520"):
        feed_read_file(path=path)
    with pytest.raises(CommandError, match="104,857,600 bytes") as refused:
        call_command("catalog_sync", "--source", "litellm", "--file", str(path))
    assert "JSON" not in str(refused.value)
    assert not FeedImport.objects.exists()


@pytest.mark.django_db
def test_the_scheduled_task_makes_one_draft_per_changed_file(trusted):
    from costing.tasks import feed_fetch_task

    public_catalog_load()
    url = f"{trusted}/nebius.csv"
    first = feed_fetch_task.delay("skypilot-nebius", url).get()
    assert first.startswith("skypilot-nebius: draft ") and first.endswith("to review")
    again = feed_fetch_task.delay("skypilot-nebius", url).get()
    assert again == "skypilot-nebius: unchanged since the last import, no new draft"
    assert FeedImport.objects.count() == 1
    assert not FeedImport.objects.get().catalog.is_published
