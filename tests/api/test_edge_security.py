"""Edge security: allowed hosts (DNS rebinding), nosniff and CSP headers, offline /docs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from faultmaven.api.request_guards import AllowedHostsMiddleware, host_name
from faultmaven.app import create_app
from faultmaven.config import Settings

DEFAULT_HOSTS = Settings.model_fields["allowed_hosts"].default


@pytest.fixture
def default_client(settings: Settings) -> Iterator[TestClient]:
    """The app with the laptop default hosts, called as a browser on the laptop would."""
    app = create_app(settings.model_copy(update={"allowed_hosts": DEFAULT_HOSTS}))
    with TestClient(app, base_url="http://localhost:8090") as client:
        yield client
    app.state.engine.dispose()


@pytest.mark.parametrize("host", ["localhost:8090", "127.0.0.1", "127.0.0.1:8090", "[::1]:8090"])
def test_the_default_hosts_are_answered(default_client: TestClient, host: str) -> None:
    response = default_client.get("/api/v1/health", headers={"Host": host})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8090", "testserver", "localhost.evil.example", ""]
)
def test_other_hosts_get_400_and_reach_nothing(default_client: TestClient, host: str) -> None:
    response = default_client.post(
        "/api/v1/cases", json={"title": "rebound"}, headers={"Host": host}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    error = response.json()["error"]
    assert error["code"] == "HOST_NOT_ALLOWED"
    assert "FAULTMAVEN_ALLOWED_HOSTS" in error["message"]
    assert default_client.get("/api/v1/cases").json()["total_count"] == 0


def test_host_patterns() -> None:
    guard = AllowedHostsMiddleware(app=None, allowed=("*.example.com", "10.0.0.5"))  # type: ignore[arg-type]
    assert guard.allows("api.example.com:443") and guard.allows("example.com")
    assert guard.allows("10.0.0.5:8090")
    assert not guard.allows("badexample.com") and not guard.allows("example.com.evil.net")
    assert AllowedHostsMiddleware(app=None, allowed=("*",)).allows("anything")  # type: ignore[arg-type]
    assert host_name("LocalHost.:80") == "localhost" and host_name("[::1]") == "::1"


def test_allowed_hosts_setting() -> None:
    assert Settings(allowed_hosts=" Example.COM , [::1] ").allowed_host_names == (
        "example.com",
        "::1",
    )
    with pytest.raises(ValueError, match="FAULTMAVEN_ALLOWED_HOSTS"):
        Settings(allowed_hosts=" , ")


def test_nosniff_on_every_kind_of_answer(client: TestClient) -> None:
    runbook = client.post("/api/v1/runbooks", json={"title": "Disk full"}).json()
    answers = [
        client.get("/api/v1/health"),
        client.get(f"/api/v1/runbooks/{runbook['id']}?format=markdown"),
        client.get("/api/v1/runbooks/rb_000000000000"),
        client.post("/api/v1/cases", json={}),
        client.post("/api/v1/cases", content=b"x", headers={"Content-Type": "text/plain"}),
        client.get("/openapi.json"),
        client.get("/docs"),
    ]
    assert [r.status_code for r in answers] == [200, 200, 404, 422, 415, 200, 200]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url


def _same_origin_assets(html: str) -> list[str]:
    urls = re.findall(r'(?:src|href|data-openapi-url|spec-url)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    return urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_are_served_from_installed_files(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp.split("script-src")[1]
    assert "<script>" not in response.text  # no inline script: CSP allows none
    for url in _same_origin_assets(response.text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
