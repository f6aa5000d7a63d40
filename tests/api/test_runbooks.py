"""Runbook store, versions, markdown and keyword search through the API, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _runbook(title: str = "Redis Cluster OOM Kills", **extra) -> dict:
    return {
        "title": title,
        "summary": "Redis pods repeatedly restart with OOM kills in production.",
        "severity": "critical",
        "symptoms": ["Pods restarting every 5-10 minutes", 'K8s events: "OOMKilled"'],
        "affected_systems": ["Redis cluster (3 pods)"],
        "root_cause": {"cause": "Session objects grew from 100KB to 5MB."},
        "solution": {
            "fixes": [
                {
                    "title": "Increase Redis memory limit",
                    "commands": ["kubectl rollout restart statefulset/redis -n production"],
                }
            ],
            "validation": ["kubectl top pod redis-0 -n production"],
        },
        "services": ["redis"],
        "tags": ["kubernetes"],
        "status": "published",
        **extra,
    }


def _replacement(title: str = "Redis Cluster OOM Kills", **extra) -> dict:
    """A PUT body: the whole runbook, every field."""
    whole = {"owner": None, "review_by": None, "average_resolution_minutes": None}
    return _runbook(title, diagnosis={}, prevention={}, **whole, **extra)


def _create(client: TestClient, payload: dict) -> dict:
    response = client.post("/api/v1/runbooks", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_read_and_markdown(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    assert runbook["id"].startswith("rb_") and runbook["version"] == 1
    url = f"/api/v1/runbooks/{runbook['id']}"
    assert client.get(url).json() == runbook
    markdown = client.get(url, headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"---\nid: {runbook['id']}\n")  # front matter
    assert "\n# Runbook: Redis Cluster OOM Kills\n" in markdown.text
    assert "kubectl rollout restart statefulset/redis -n production" in markdown.text
    assert client.get(url, params={"format": "markdown"}).text == markdown.text


def test_edit_makes_a_version_and_stale_edits_are_refused(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    url = f"/api/v1/runbooks/{runbook['id']}"
    edit = _replacement(
        symptoms=["Pods restarting", "Latency on /login"],
        version=1,
        change_note="added login latency",
    )
    response = client.put(url, json=edit)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert response.headers["ETag"] == '"2"'
    stale = client.put(url, json={**edit, "title": "Someone else's edit"})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "STALE_VERSION"
    assert client.get(url).json()["title"] == "Redis Cluster OOM Kills"
    via_header = client.put(url, json=_replacement("Redis OOM"), headers={"If-Match": '"2"'})
    assert via_header.json()["version"] == 3
    versions = client.get(f"{url}/versions").json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    first = client.get(f"{url}/versions/1").json()
    assert first["content"]["symptoms"] == _runbook()["symptoms"]


def test_edit_without_a_version_is_refused(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    response = client.put(f"/api/v1/runbooks/{runbook['id']}", json=_replacement())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VERSION_REQUIRED"


def test_delete_archives_and_hides_from_list_and_search(client: TestClient) -> None:
    runbook = _create(client, _runbook())
    assert client.delete(f"/api/v1/runbooks/{runbook['id']}").status_code == 204
    assert client.get("/api/v1/runbooks").json()["total_count"] == 0
    assert client.get("/api/v1/runbooks/search", params={"q": "redis"}).json()["items"] == []
    archived = client.get(f"/api/v1/runbooks/{runbook['id']}").json()
    assert archived["status"] == "archived"
    listed = client.get("/api/v1/runbooks", params={"status": "archived"}).json()
    assert [r["id"] for r in listed["items"]] == [runbook["id"]]


def test_search_ranks_and_explains(client: TestClient) -> None:
    redis = _create(client, _runbook())
    cert = _create(
        client,
        _runbook(
            title="Expired TLS certificate on ingress",
            summary="Browsers show certificate errors",
            symptoms=["x509: certificate has expired", "cert-manager renewal failing"],
            services=["ingress-nginx"],
            tags=["tls"],
            root_cause={"cause": "ACME HTTP-01 challenge blocked by a redirect"},
            solution={"fixes": [{"title": "Renew", "commands": ["cmctl renew web-tls"]}]},
            affected_systems=["ingress-nginx"],
        ),
    )
    results = client.get("/api/v1/runbooks/search", params={"q": "redis OOMKilled"}).json()
    assert results["items"][0]["runbook"]["id"] == redis["id"]
    assert all(hit["runbook"]["id"] != cert["id"] for hit in results["items"])
    why = results["items"][0]["why"]
    assert "oomkilled" in why["matched_terms"]
    assert "title" in why["fields"] and "redis" in why["fields"]["title"]
    assert results["items"][0]["score"] > 0
    tls = client.get("/api/v1/runbooks/search", params={"q": "certificate expired"}).json()
    assert tls["items"][0]["runbook"]["id"] == cert["id"]


def test_search_filters_apply_before_ranking(client: TestClient) -> None:
    _create(client, _runbook())
    other = _create(
        client,
        _runbook(
            title="Redis replica lag",
            services=["redis-replica"],
            tags=["replication"],
            severity="low",
        ),
    )
    by_tag = client.get("/api/v1/runbooks/search", params={"q": "redis", "tag": "Replication"})
    assert [h["runbook"]["id"] for h in by_tag.json()["items"]] == [other["id"]]
    by_severity = client.get("/api/v1/runbooks/search", params={"q": "redis", "severity": "low"})
    assert [h["runbook"]["id"] for h in by_severity.json()["items"]] == [other["id"]]
    listed = client.get("/api/v1/runbooks", params={"service": "redis-replica"}).json()
    assert [r["id"] for r in listed["items"]] == [other["id"]]


def test_search_treats_operators_as_plain_text(client: TestClient) -> None:
    _create(client, _runbook())
    for query in [
        '"redis',
        "redis AND (oom",
        "NEAR(redis oom)",
        "redis* OR -oom",
        "a:b | !c & d",
        "'; DROP TABLE runbooks; --",
        "^redis",
        "\\",
    ]:
        response = client.get("/api/v1/runbooks/search", params={"q": query})
        assert response.status_code in (200, 422), (query, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["message"]
    assert client.get("/api/v1/runbooks").json()["total_count"] == 1


def test_search_without_words_explains_what_to_send(client: TestClient) -> None:
    response = client.get("/api/v1/runbooks/search", params={"q": "!!! ***"})
    assert response.status_code == 422
    assert "no words" in response.json()["error"]["message"]


def test_secrets_never_reach_a_stored_runbook(client: TestClient) -> None:
    secret = "hunter2-Zx81-planted"
    payload = _runbook(
        solution={
            "fixes": [
                {
                    "title": "Reconnect",
                    "commands": [f"psql postgresql://app:{secret}@db:5432/app -c 'select 1'"],
                }
            ]
        },
        summary="Paged ops@example.com at 02:00.",
    )
    runbook = _create(client, payload)
    assert secret not in str(runbook) and "ops@example.com" not in runbook["summary"]
    command = runbook["causes"][0]["solution"]["fixes"][0]["commands"][0]
    assert command.startswith("psql postgresql://app:[REDACTED:password]@db:5432/app")
    assert runbook["redaction"] == {"email": 1, "password": 1}
    versions = client.get(f"/api/v1/runbooks/{runbook['id']}/versions/1").json()
    assert secret not in str(versions)


def test_exact_identifiers_find_the_runbook(client: TestClient) -> None:
    target = _create(
        client,
        _runbook(
            title="Payments worker crash loop",
            symptoms=[
                "java.lang.NullPointerException in PaymentMapper",
                "ECONNREFUSED 10.0.0.7:6380",
            ],
            services=["payments"],
        ),
    )
    _create(client, _runbook(title="Payments latency", symptoms=["p99 above 2s"]))
    for query in ("NullPointerException", "ECONNREFUSED 6380", "PaymentMapper"):
        hits = client.get("/api/v1/runbooks/search", params={"q": query}).json()["items"]
        assert hits[0]["runbook"]["id"] == target["id"], query


def test_import_saves_many_runbooks_in_one_request(client: TestClient) -> None:
    items = [_runbook(f"Runbook {n}: kafka lag", services=[f"svc-{n}"]) for n in range(25)]
    response = client.post("/api/v1/runbooks/import", json={"items": items})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 25
    assert [item["title"] for item in body["items"]] == [item["title"] for item in items]
    # "kafka lag" is in every runbook: common words alone are no match, the "7" is
    found = client.get("/api/v1/runbooks/search", params={"q": "kafka lag 7", "service": "svc-7"})
    assert [hit["runbook"]["id"] for hit in found.json()["items"]] == [body["items"][7]["id"]]
    stored = client.get(f"/api/v1/runbooks/{body['items'][3]['id']}").json()
    assert stored["version"] == 1 and stored["symptoms"] == items[3]["symptoms"]


def test_import_with_one_bad_item_saves_nothing(client: TestClient) -> None:
    items = [_runbook("Fine one"), _runbook("Bad one", severity="apocalyptic")]
    response = client.post("/api/v1/runbooks/import", json={"items": items})
    assert response.status_code == 422
    assert "items.1.severity" in response.text
    assert client.get("/api/v1/runbooks").json()["total_count"] == 0
    empty = client.post("/api/v1/runbooks/import", json={"items": []})
    assert empty.status_code == 422 and "items" in empty.text


def test_search_scores_are_confidences_and_apply_the_floor(client: TestClient) -> None:
    """Scores in [0, 1]; stop words alone find nothing; hits below ?min_score= are left out."""
    _create(client, _runbook(title="Postgres disk full", symptoms=["No space left on device"]))
    _create(client, _runbook(title="Redis Cluster OOM Kills", symptoms=["OOMKilled pods"]))
    stop_only = client.get("/api/v1/runbooks/search", params={"q": "the on a"}).json()
    assert stop_only["items"] == [] and stop_only["terms"] == []
    found = client.get("/api/v1/runbooks/search", params={"q": "no space left on device"})
    items = found.json()["items"]
    assert items[0]["runbook"]["title"] == "Postgres disk full"
    assert all(0 <= hit["score"] <= 1 for hit in items)
    assert "on" not in items[0]["why"]["matched_terms"]
    everything = client.get(
        "/api/v1/runbooks/search", params={"q": "redis disk", "min_score": 0}
    ).json()["items"]
    top = max(hit["score"] for hit in everything)
    above = client.get(
        "/api/v1/runbooks/search", params={"q": "redis disk", "min_score": min(1, top + 0.01)}
    ).json()["items"]
    assert len(everything) == 2 and above == []
    assert (
        client.get("/api/v1/runbooks/search", params={"q": "x", "min_score": 2}).status_code == 422
    )
