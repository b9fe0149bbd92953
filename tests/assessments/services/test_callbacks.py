"""The completion callback: a POST signed with HMAC-SHA256 over the timestamp and the body, sent
only to a public address (or a host the installation allows), to the address checked, following
no redirect, and reported to users as delivered or failed only."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import shutil
import socket
import ssl
import subprocess

import pytest

from assessments import callback_target as callback_target_module
from assessments.models import Assessment, AssessmentRun
from assessments.services import callbacks as callbacks_module
from assessments.services.callbacks import CallbackRetry, run_callback_send
from tests.assessments.live import Receiver
from tests.assessments.world import finished_run

pytestmark = pytest.mark.django_db

HOOK_HOST = "hooks.alice.example.org"


@pytest.fixture
def other_receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def lookups(monkeypatch):
    """HOOK_HOST resolves to loopback, where the receivers run, through the one lookup the
    callback makes; any other lookup of a name (a second one by the HTTP client) fails."""
    calls = []

    def resolve(host, port):
        calls.append(host)
        return ["127.0.0.1"] if host == HOOK_HOST else []

    real_getaddrinfo = socket.getaddrinfo

    def numeric_only(host, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
        except OSError:
            raise AssertionError(f"{host} was looked up a second time") from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(callback_target_module, "system_resolve", resolve)
    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    return calls


@pytest.fixture
def allow_hook_host(settings):
    settings.SOVRA_CALLBACK_ALLOWED_HOSTS = [HOOK_HOST]


def _run(org, url, **fields):
    # Stored directly: a URL entered before it was checked, or whose name now resolves inside.
    return finished_run(
        Assessment.objects.create_in(org, name="Hooked", callback_url=url, **fields)
    )


def _status(org, run):
    return AssessmentRun.objects.for_organization(org).get(pk=run.pk).callback_status


def test_the_receiver_can_check_who_sent_it(org, receiver, lookups, allow_hook_host):
    """GIVEN an allowed internal host WHEN the run finishes THEN the POST goes to the address of
    its one lookup, with the URL's host in the Host header, and is signed."""
    run = _run(org, f"http://{HOOK_HOST}:{receiver.port}/hooks/sovra", callback_secret="s3cret" * 8)

    assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 204

    ((headers, path, body),) = receiver.received
    assert lookups == [HOOK_HOST]
    assert headers["Host"] == f"{HOOK_HOST}:{receiver.port}" and path == "/hooks/sovra"
    expected = hmac.new(
        b"s3cret" * 8, headers["X-Sovra-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Sovra-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["run"] == run.pk and payload["status"] == "succeeded"
    assert payload["pdf_url"].endswith(f"/api/v1/orgs/{org.slug}/runs/{run.pk}/report.pdf")
    assert _status(org, run).startswith("delivered ")


def test_an_allowed_address_is_reached_without_a_lookup(org, receiver, lookups, settings):
    settings.SOVRA_CALLBACK_ALLOWED_HOSTS = ["127.0.0.1"]
    run = _run(org, f"http://127.0.0.1:{receiver.port}/")
    assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 204
    assert len(receiver.received) == 1 and lookups == []


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "2130706433", "127.1", "0177.0.0.1", "0x7f.0.0.1",
     "[::ffff:127.0.0.1]", HOOK_HOST],
)  # fmt: skip
def test_a_callback_inside_the_network_is_never_sent(org, receiver, lookups, host, caplog):
    """GIVEN a callback URL naming loopback in any notation, or a name resolving to it, and no
    host allowed WHEN the run finishes THEN nothing reaches the listening server, nothing is
    retried, the run says only "failed", and the reason is in the server log."""
    run = _run(org, f"http://{host}:{receiver.port}/hooks/sovra")

    with caplog.at_level(logging.WARNING, logger="assessments.services.callbacks"):
        assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 0

    assert receiver.received == []
    status = _status(org, run)
    assert status.startswith("failed ") and status.endswith("UTC (details in the server log)")
    assert str(receiver.port) not in status
    assert f"callback of run {run.pk}" in caplog.text and "refused" in caplog.text


def test_a_redirect_is_not_followed(org, receiver, other_receiver, lookups, allow_hook_host):
    """GIVEN a receiver answering 302 towards another server WHEN the callback is sent THEN the
    other server receives nothing and the run says only "failed"."""
    receiver.status = 302
    receiver.headers = {"Location": f"http://127.0.0.1:{other_receiver.port}/inside"}
    run = _run(org, f"http://{HOOK_HOST}:{receiver.port}/hooks/sovra")

    assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 302

    assert len(receiver.received) == 1 and other_receiver.received == []
    assert _status(org, run).startswith("failed ")


def test_an_unavailable_receiver_is_tried_again(org, receiver, lookups, allow_hook_host):
    receiver.status = 503
    run = _run(org, f"http://{HOOK_HOST}:{receiver.port}/hooks/sovra")
    with pytest.raises(CallbackRetry, match="HTTP 503"):
        run_callback_send(organization_id=org.pk, run_id=run.pk)
    assert len(receiver.received) == 1
    assert _status(org, run).startswith("failed ")


def test_a_receiver_that_does_not_answer_is_tried_again_and_says_only_failed(
    org, lookups, allow_hook_host
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    run = _run(org, f"http://{HOOK_HOST}:{port}/hooks/sovra")
    with pytest.raises(CallbackRetry):
        run_callback_send(organization_id=org.pk, run_id=run.pk)
    assert _status(org, run).startswith("failed ")
    assert "Connection" not in _status(org, run) and str(port) not in _status(org, run)


def _certificate(directory, name: str) -> tuple[str, str]:
    """A self-signed certificate for ``name`` (and its key), made by the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificate")
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return str(cert), str(key)


def _serve_tls(receiver, directory, name: str):
    """Put ``receiver`` behind TLS with a certificate for ``name``, trusted by the callbacks and
    noting the name each client asked for (SNI)."""
    cert, key = _certificate(directory, name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server_names = []
    context.sni_callback = lambda sock, name, ctx: receiver.server_names.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    return cert


def test_tls_names_and_checks_the_urls_host_at_the_address_checked(
    org, receiver, lookups, allow_hook_host, monkeypatch, tmp_path
):
    monkeypatch.setattr(callbacks_module, "CA_CERTS", _serve_tls(receiver, tmp_path, HOOK_HOST))
    run = _run(org, f"https://{HOOK_HOST}:{receiver.port}/hooks/sovra")

    assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 204

    assert receiver.server_names == [HOOK_HOST] and lookups == [HOOK_HOST]
    ((headers, _path, _body),) = receiver.received
    assert headers["Host"] == f"{HOOK_HOST}:{receiver.port}"
    assert _status(org, run).startswith("delivered ")


def test_tls_refuses_a_certificate_for_another_name(
    org, receiver, lookups, allow_hook_host, monkeypatch, tmp_path, caplog
):
    """GIVEN the URL's name resolving to a server whose (trusted) certificate is for another
    name WHEN the callback is sent THEN nothing is posted: reaching the address proves nothing."""
    other = _serve_tls(receiver, tmp_path, "other.example.org")
    monkeypatch.setattr(callbacks_module, "CA_CERTS", other)
    run = _run(org, f"https://{HOOK_HOST}:{receiver.port}/hooks/sovra")
    with pytest.raises(CallbackRetry), caplog.at_level(logging.WARNING):
        run_callback_send(organization_id=org.pk, run_id=run.pk)
    assert receiver.received == [] and receiver.server_names == [HOOK_HOST]
    assert f"hostname '{HOOK_HOST}' doesn't match 'other.example.org'" in caplog.text
    assert _status(org, run).startswith("failed ")
