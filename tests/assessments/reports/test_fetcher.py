"""The report's URL fetcher serves our static files and data: URIs, and refuses the rest."""

import pytest

from assessments.reports.fetcher import FetchRefused, StaticOnlyFetcher, resolve_static

FONT = "assessments/fonts/DejaVuSans.ttf"


def test_serves_a_bundled_font_through_the_staticfiles_finders():
    response = StaticOnlyFetcher().fetch(f"sovra-static:{FONT}")
    body = response.read()
    assert body[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert response.content_type == "font/ttf"


def test_serves_data_uris():
    response = StaticOnlyFetcher().fetch("data:text/plain;base64,c292cmE=")
    assert response.read() == b"sovra"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "//example.com/x",
        "/etc/passwd",
        "static/assessments/fonts/DejaVuSans.ttf",
    ],
)
def test_refuses_every_other_url(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


@pytest.mark.parametrize(
    "path",
    [
        "../../../etc/passwd",
        "assessments/../../portal/settings/base.py",
        "assessments/fonts/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "assessments//fonts/DejaVuSans.ttf",
        "assessments\\fonts\\DejaVuSans.ttf",
        "assessments/fonts/missing.ttf",
        "",
    ],
)
def test_refuses_path_traversal_and_unknown_files(path):
    with pytest.raises(FetchRefused):
        resolve_static(path)
