"""Benchmark: hybrid runbook search and ingest at 10k / 100k runbooks, against brute force.

Data: deterministic generated runbooks (``generate_runbook``: 28 services x 26 failure modes,
real error strings, commands and outputs; ~2.2 KB of indexed text each, 4% archived) and 3-8
word queries, half exact error strings / service names, half paraphrases.

Subjects (the real service path):

* **ingest** -- ``create_runbook``, ``--batch`` (500) per unit of work; each commit drains the
  search outbox (embedding + vector store) in the ``after_commit`` hook of
  ``session_factory_for``. Rate = runbooks / time until the outbox is empty, so it includes
  embedding; building the ``RunbookCreate`` objects (request parsing) is not counted. Runbooks up
  to ``size - --tail`` are written by ``bulk_fill`` (executemany of the rows the service writes:
  runbook, version and label rows, the keyword index row (``analysed_row`` into
  ``search_terms``) and the vectors; no redaction;
  NOT the service path, labelled so in the output); the last ``--tail`` (2000) go through
  ``create_runbook`` and give the rate at that size, with the share of each write stage (timing
  wrappers: redaction, keyword index upsert and its analysis, repository writes, outbox drain
  and its embedding). ``--real-fill`` sends every runbook through the service instead.
* **query** -- ``search_runbooks(session, query=q, limit=10, mode="hybrid")`` in its own
  ``unit_of_work`` (as one API request does): p50 / p95 / mean over ``--queries`` queries
  (``--queries-large`` above 20k) after a warm-up. ``mode="keyword"`` is timed alongside. The
  first query after dropping the per-process caches is reported separately as *cold*: on the
  embedded backend it loads every ``search_terms`` row into in-memory postings and the whole
  vector matrix (the cost the first search pays after a server start; split into the two loads).

Backends: ``embedded`` (a fresh SQLite file in a temporary directory: the in-memory BM25
keyword index ``MemoryKeywordIndex`` + the numpy matrix of ``EmbeddedVectorIndex``; no ANALYZE,
as in the product) and ``pgvector`` (a fresh PostgreSQL schema ``fm_scale``, created and dropped
here: the same in-memory keyword index + pgvector HNSW; ANALYZE after the load, as autovacuum
would do).
Which index classes are used is asked of ``SearchRuntime``, as the service does.

Baseline, same run, same data: brute force in memory. Each stored runbook's ``search_document``
is rebuilt from its row; the text the service embedded (``embedding_text``) is embedded with
the same embedder into one float32 matrix (checked equal to the stored vectors on the embedded
backend), and the full text indexed by a small vectorised BM25 (numpy only: ``\\w+``
lower-cased tokens, k1=1.2, b=0.75, one field, no stemming, no field weights). A baseline query
= embed the query + ``matrix @ q`` top-100 + BM25 top-100 + reciprocal-rank fusion (k=60) to
the top 10, archived runbooks masked out. Baseline ingest = embedding all texts + building the
BM25 index. faultmaven and baseline queries are interleaved (order rotated every query) so
noise hits both alike; ratios are faultmaven / baseline.

Then, on the same database: a per-stage breakdown of the hybrid query (timing wrappers around
the stages that exist in this revision; missing ones are listed, not fatal) and a cProfile
summary. Nothing in ``src/`` is changed or patched beyond those timing wrappers.

Run (from the repository root)::

    .venv/bin/python bench/bench_search_scale.py --quick                 # ~1 min smoke run, 2k
    .venv/bin/python bench/bench_search_scale.py                         # 10k, embedded
    .venv/bin/python bench/bench_search_scale.py --full --backend both   # 10k and 100k

No timing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import logging
import math
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from faultmaven.config import Settings
from faultmaven.kit.clock import utcnow
from faultmaven.kit.db import make_engine, unit_of_work
from faultmaven.migrations import upgrade
from faultmaven.runbooks import repository
from faultmaven.runbooks import service as runbooks_service
from faultmaven.runbooks.schemas import RunbookCreate
from faultmaven.search import filters as filters_mod
from faultmaven.search import keyword as keyword_mod
from faultmaven.search import keyword_memory
from faultmaven.search import service as search_service
from faultmaven.search import vectors as vectors_mod
from faultmaven.search.models import TermsRow, VectorRow
from faultmaven.search.runtime import SearchRuntime

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "fm_scale"
SEED = 20261128
TARGETS = {  # embedded backend, from the issue
    "p50_ms": {10_000: 10.0, 100_000: 40.0},
    "ingest_per_s": 500.0,
}

# ---- runbook generator -------------------------------------------------------------------------

# name, what it is (for paraphrases), port, client command, kubernetes workload
SERVICES: list[tuple[str, str, int, str, str]] = [
    ("redis", "cache", 6379, "redis-cli -h {host} INFO memory", "statefulset/redis"),
    ("postgres", "database", 5432, "psql -h {host} -c 'select 1'", "statefulset/postgres"),
    ("mysql", "database", 3306, "mysql -h {host} -e 'SHOW PROCESSLIST'", "statefulset/mysql"),
    (
        "kafka",
        "message broker",
        9092,
        "kafka-topics.sh --describe --bootstrap-server {host}:9092",
        "statefulset/kafka",
    ),
    (
        "rabbitmq",
        "message queue",
        5672,
        "rabbitmqctl list_queues name messages_ready",
        "statefulset/rabbitmq",
    ),
    ("nginx", "reverse proxy", 443, "nginx -t", "deployment/ingress-nginx-controller"),
    (
        "haproxy",
        "load balancer",
        8443,
        "echo 'show stat' | socat stdio /run/haproxy.sock",
        "deployment/haproxy",
    ),
    ("envoy", "service proxy", 15001, "curl -s localhost:15000/clusters", "daemonset/envoy"),
    (
        "elasticsearch",
        "search cluster",
        9200,
        "curl -s {host}:9200/_cluster/health?pretty",
        "statefulset/elasticsearch",
    ),
    (
        "mongodb",
        "document database",
        27017,
        "mongosh --host {host} --eval 'rs.status()'",
        "statefulset/mongodb",
    ),
    ("cassandra", "wide-column database", 9042, "nodetool status", "statefulset/cassandra"),
    (
        "etcd",
        "key-value store",
        2379,
        "etcdctl endpoint status --write-out=table",
        "static-pod/etcd",
    ),
    (
        "zookeeper",
        "coordination service",
        2181,
        "echo mntr | nc {host} 2181",
        "statefulset/zookeeper",
    ),
    (
        "coredns",
        "cluster dns",
        53,
        "dig @{host} kubernetes.default.svc.cluster.local",
        "deployment/coredns",
    ),
    ("vault", "secrets store", 8200, "vault status", "statefulset/vault"),
    ("consul", "service discovery", 8500, "consul members", "statefulset/consul"),
    (
        "prometheus",
        "monitoring",
        9090,
        "promtool check config /etc/prometheus/prometheus.yml",
        "statefulset/prometheus",
    ),
    ("grafana", "dashboards", 3000, "curl -s {host}:3000/api/health", "deployment/grafana"),
    ("jenkins", "ci server", 8080, "curl -s {host}:8080/login", "statefulset/jenkins"),
    ("minio", "object storage", 9000, "mc admin info local", "statefulset/minio"),
    ("memcached", "cache", 11211, "echo stats | nc {host} 11211", "deployment/memcached"),
    (
        "checkout-api",
        "checkout service",
        8080,
        "curl -sv http://{host}:8080/healthz",
        "deployment/checkout-api",
    ),
    (
        "payments-api",
        "payment service",
        8443,
        "curl -sv https://{host}:8443/healthz",
        "deployment/payments-api",
    ),
    (
        "auth-service",
        "login service",
        9000,
        "curl -sv http://{host}:9000/ready",
        "deployment/auth-service",
    ),
    (
        "search-api",
        "search service",
        8080,
        "curl -sv http://{host}:8080/healthz",
        "deployment/search-api",
    ),
    ("kubelet", "kubernetes node agent", 10250, "systemctl status kubelet", "node/kubelet"),
    (
        "ingress-nginx",
        "ingress controller",
        443,
        "kubectl logs -n ingress-nginx deploy/ingress",
        "deployment/ingress-nginx",
    ),
    ("celery", "task workers", 5555, "celery -A app inspect active", "deployment/celery-worker"),
]
ENVS = ("production", "staging", "prod-eu", "prod-us", "canary", "perf", "dr-site")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "eu-central-1", "us-west-2", "sa-east-1")
TEAMS = ("platform", "sre", "payments", "data", "identity", "storefront", "infra", "search")
LANGS = ("java", "python", "node", "go")
EXCEPTIONS = {
    "java": (
        "java.lang.OutOfMemoryError: Java heap space",
        "java.net.SocketTimeoutException",
        "java.lang.NullPointerException",
        "javax.net.ssl.SSLHandshakeException",
    ),
    "python": (
        "MemoryError",
        "ConnectionResetError: [Errno 104]",
        "TimeoutError",
        "ssl.SSLCertVerificationError",
    ),
    "node": (
        "FATAL ERROR: Reached heap limit Allocation failed",
        "Error: read ECONNRESET",
        "Error: connect ETIMEDOUT",
        "Error: unable to verify the first certificate",
    ),
    "go": (
        "runtime: out of memory",
        "context deadline exceeded",
        "panic: runtime error",
        "x509: certificate signed by unknown authority",
    ),
}


@dataclass(frozen=True)
class Mode:
    """A failure mode: templates that the generator fills in for one service."""

    key: str
    titles: tuple[str, ...]
    errors: tuple[str, ...]  # exact error strings that appear in symptoms and logs
    symptoms: tuple[str, ...]
    causes: tuple[str, ...]
    refuted: tuple[str, ...]
    fixes: tuple[tuple[str, str], ...]  # (title, command)
    checks: tuple[tuple[str, str, str], ...]  # (description, command, output)
    prevention: tuple[str, ...]
    queries: tuple[str, ...]  # exact-ish user queries
    paraphrases: tuple[str, ...]  # the same problem in other words


MODES: list[Mode] = [
    Mode(
        "oom",
        (
            "{svc} pods OOMKilled in {env}",
            "{svc} out of memory after {trigger}",
            "OOMKilled restarts of {svc} on {cluster}",
            "{svc} containers killed by the OOM killer",
        ),
        ("OOMKilled", "Exit Code: 137", "{exc_oom}", "Memory cgroup out of memory: Killed process"),
        (
            "Pods restarting every {n} minutes with reason OOMKilled",
            "Memory usage climbs to {pct}% of the {mem}Gi limit before each restart",
            "K8s events: OOMKilled, Back-off restarting failed container",
            "dmesg shows 'Memory cgroup out of memory: Killed process' for {svc}",
        ),
        (
            "The memory limit of {mem}Gi was too low for the working set after {trigger}",
            "A memory leak in {svc} {ver}: an unbounded in-process cache",
            "Large payloads ({n}MB) stored per key after {trigger}",
        ),
        ("A noisy neighbour on the node", "Swap enabled on the node", "Kernel bug in cgroup v2"),
        (
            (
                "Raise the memory limit to {mem2}Gi",
                "kubectl -n {env} set resources {workload} --limits=memory={mem2}Gi",
            ),
            ("Roll back {svc} to the previous version", "kubectl -n {env} rollout undo {workload}"),
            (
                "Set maxmemory and an eviction policy",
                "redis-cli CONFIG SET maxmemory-policy allkeys-lru",
            ),
        ),
        (
            (
                "Check the last state of the pod",
                "kubectl -n {env} describe pod {pod} | grep -A4 'Last State'",
                "Last State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137",
            ),
            (
                "Check memory usage",
                "kubectl -n {env} top pod {pod}",
                "NAME {pod}\nCPU 412m\nMEMORY {mem}Gi",
            ),
        ),
        (
            "Alert when container memory working set exceeds 85% of the limit for 10 minutes",
            "Load test {svc} with production payload sizes before release",
        ),
        (
            "{svc} OOMKilled",
            "{svc} pods OOMKilled restarting",
            "exit code 137 {svc}",
            "{exc_oom}",
            "OOMKilled {env} {svc} memory limit",
        ),
        (
            "{what} running out of memory",
            "{what} keeps getting killed for memory",
            "{svc} memory keeps growing until restart",
            "container memory limit too low {what}",
        ),
    ),
    Mode(
        "conn_refused",
        (
            "{svc} connection refused on port {port}",
            "Clients get ECONNREFUSED from {svc}",
            "{svc} not accepting connections in {env}",
            "ECONNREFUSED {ip}:{port} from {caller}",
        ),
        (
            "ECONNREFUSED",
            "connect ECONNREFUSED {ip}:{port}",
            "connection refused on port {port}",
            "dial tcp {ip}:{port}: connect: connection refused",
        ),
        (
            'Error: "connect ECONNREFUSED {ip}:{port}" in {caller} logs',
            "{caller} health checks failing against {svc}:{port}",
            "Endpoints for the {svc} service are empty",
            "{pct}% of requests from {caller} fail with connection refused",
        ),
        (
            "The {svc} service selector did not match the pod labels after {trigger}",
            "{svc} was listening on 127.0.0.1 instead of 0.0.0.0 after a config change",
            "A NetworkPolicy added in {trigger} blocked port {port}",
        ),
        ("{svc} process crashed", "Firewall rule on the node", "DNS returned a stale address"),
        (
            (
                "Fix the service selector",
                "kubectl -n {env} patch svc {svc} -p "
                '\'{{"spec":{{"selector":{{"app":"{svc}"}}}}}}\'',
            ),
            ("Bind to all interfaces", "kubectl -n {env} set env {workload} BIND_ADDRESS=0.0.0.0"),
            ("Allow the port in the NetworkPolicy", "kubectl -n {env} apply -f netpol-{svc}.yaml"),
        ),
        (
            (
                "Check the endpoints",
                "kubectl -n {env} get endpoints {svc}",
                "NAME ENDPOINTS AGE\n{svc} <none> {n}d",
            ),
            (
                "Test the port from a debug pod",
                "nc -vz {svc}.{env}.svc {port}",
                "nc: connect to {svc}.{env}.svc port {port} (tcp) failed: Connection refused",
            ),
        ),
        (
            "Synthetic probe on {svc}:{port} from every namespace that calls it",
            "Review selector and label changes in CI",
        ),
        (
            "{svc} connection refused",
            "ECONNREFUSED {port}",
            "connection refused port {port}",
            "{caller} cannot connect to {svc}",
            "dial tcp {port} connection refused",
        ),
        (
            "cannot reach {what}",
            "{what} refuses connections",
            "{caller} can't talk to the {what}",
            "{what} port closed",
        ),
    ),
    Mode(
        "tls_expired",
        (
            "Expired TLS certificate on {svc} in {env}",
            "x509 certificate has expired for {svc}",
            "{svc} TLS handshake failures after certificate expiry",
            "cert-manager failed to renew the {svc} certificate",
        ),
        (
            "x509: certificate has expired or is not yet valid",
            "SSL certificate problem: certificate has expired",
            "{exc_tls}",
            "NET::ERR_CERT_DATE_INVALID",
        ),
        (
            "curl: (60) SSL certificate problem: certificate has expired",
            "Clients of {svc} fail with x509: certificate has expired or is not yet valid",
            "Blackbox probe alert: probe_ssl_earliest_cert_expiry in the past",
            "{caller} logs {exc_tls}",
        ),
        (
            "cert-manager could not complete the HTTP-01 challenge after {trigger}",
            "The certificate was installed by hand {n} months ago and never renewed",
            "The renewal job lost its credentials to the {region} DNS zone",
        ),
        ("Let's Encrypt rate limit reached", "Clock skew on the clients", "Wrong intermediate CA"),
        (
            (
                "Renew the certificate",
                "kubectl -n {env} delete secret {svc}-tls && cmctl renew {svc}-tls -n {env}",
            ),
            (
                "Fix the ClusterIssuer ingress class",
                "kubectl patch clusterissuer letsencrypt "
                '--type merge -p \'{{"spec":{{"acme":{{}}}}}}\'',
            ),
        ),
        (
            (
                "Check the served certificate",
                "echo | openssl s_client -connect {host}:{port} "
                "2>/dev/null | openssl x509 -noout -dates",
                "notAfter=Nov 10 08:14:07 2025 GMT",
            ),
            (
                "Check cert-manager",
                "kubectl -n {env} describe certificate {svc}-tls",
                "Status: False\nReason: Issuing\nMessage: challenge pending",
            ),
        ),
        (
            "Alert 21 days before any certificate expires",
            "Monitor cert-manager Certificate Ready conditions",
        ),
        (
            "{svc} certificate expired",
            "x509 certificate has expired {svc}",
            "SSL certificate problem certificate has expired",
            "{exc_tls}",
            "cert-manager renewal failed {svc}",
        ),
        (
            "https broken expired cert on {what}",
            "TLS cert out of date {what}",
            "certificate not renewed {what}",
            "secure connection fails to {what}",
        ),
    ),
    Mode(
        "tls_unknown_ca",
        (
            "{svc} rejects certificates signed by unknown authority",
            "x509 unknown authority errors between {caller} and {svc}",
            "mTLS failures to {svc} after CA rotation",
        ),
        (
            "x509: certificate signed by unknown authority",
            "{exc_tls}",
            "unable to get local issuer certificate",
            "tls: bad certificate",
        ),
        (
            "{caller} logs x509: certificate signed by unknown authority when calling {svc}",
            "mTLS handshakes to {svc}:{port} fail with tls: bad certificate",
            "Errors began right after the CA bundle rotation in {env}",
        ),
        (
            "The new intermediate CA was not added to the trust bundle of {caller}",
            "The {svc} image {ver} ships an outdated ca-certificates package",
        ),
        ("Expired leaf certificate", "Wrong SNI name"),
        (
            (
                "Distribute the new CA bundle",
                "kubectl -n {env} create configmap ca-bundle "
                "--from-file=ca.crt --dry-run=client -o yaml | kubectl apply -f -",
            ),
            (
                "Rebuild the image with current CA certificates",
                "docker build --pull -t {svc}:{ver}-1 .",
            ),
        ),
        (
            (
                "Inspect the chain",
                "openssl s_client -showcerts -connect {host}:{port}",
                "verify error:num=20:unable to get local issuer certificate",
            ),
        ),
        ("Rotate CAs with an overlap period where both bundles are trusted",),
        (
            "x509 certificate signed by unknown authority",
            "{svc} unknown authority",
            "unable to get local issuer certificate {svc}",
            "mTLS bad certificate {svc}",
        ),
        (
            "{what} does not trust the certificate",
            "certificate chain not trusted {caller}",
            "TLS trust error after CA rotation",
        ),
    ),
    Mode(
        "disk_full",
        (
            "{svc} volume at 100% on {host}",
            "No space left on device on {svc} in {env}",
            "{svc} data disk full",
            "Disk full on {host} stops {svc} writes",
        ),
        (
            "No space left on device",
            "could not write to file: No space left on device",
            "ENOSPC",
            "disk usage 100%",
        ),
        (
            "Writes to {svc} fail with 'No space left on device'",
            "df -h shows /var/lib/{svc} at 100% on {host}",
            "Alert: NodeFilesystemSpaceFillingUp for {host}",
            "{caller} reports errors writing to {svc}",
        ),
        (
            "Log rotation stopped after {trigger} and {n}GB of logs piled up",
            "WAL / segment files were retained because a replica slot was inactive",
            "A backup job wrote {n}GB of temporary files to the data volume",
        ),
        ("Table bloat", "Volume shrunk by the storage class", "Inode exhaustion"),
        (
            (
                "Free space by removing old logs",
                "find /var/log/{svc} -name '*.gz' -mtime +7 -delete",
            ),
            (
                "Expand the persistent volume",
                "kubectl -n {env} patch pvc data-{svc}-0 -p "
                '\'{{"spec":{{"resources":{{"requests":{{"storage":"{disk}Gi"}}}}}}}}\'',
            ),
            (
                "Drop the inactive replication slot",
                "psql -c \"select pg_drop_replication_slot('replica_{n}')\"",
            ),
        ),
        (
            (
                "Check disk usage",
                "df -h /var/lib/{svc}",
                "Filesystem Size Used Avail Use% Mounted on\n/dev/nvme1n1 {disk}G {disk}G 0 100% "
                "/var/lib/{svc}",
            ),
            (
                "Find the largest directories",
                "du -sh /var/lib/{svc}/* | sort -h | tail -5",
                "{n}G /var/lib/{svc}/logs",
            ),
        ),
        (
            "Alert at 80% disk usage with a 4 hour fill prediction",
            "Cap log retention and size in the logrotate config",
        ),
        (
            "no space left on device {svc}",
            "{svc} disk full",
            "ENOSPC {svc}",
            "{svc} volume 100%",
            "could not write to file no space left on device",
        ),
        (
            "{what} storage ran out",
            "{what} disk filled up",
            "out of disk space on {what} host",
            "{what} volume is full",
        ),
    ),
    Mode(
        "bad_gateway",
        (
            "{svc} returns 502 Bad Gateway in {env}",
            "502 errors from {svc} after {trigger}",
            "Upstream errors: {svc} answers 502",
            "Intermittent 502s on {host}",
        ),
        (
            "502 Bad Gateway",
            "upstream prematurely closed connection while reading response header",
            "no live upstreams while connecting to upstream",
            "upstream connect error or disconnect",
        ),
        (
            "{pct}% of requests to {host} return 502 Bad Gateway",
            "nginx error log: upstream prematurely closed connection while reading response header",
            "502s started minutes after {trigger}",
            "Only requests routed to {svc} are affected",
        ),
        (
            "The upstream keepalive timeout was shorter than the proxy's idle timeout",
            "{svc} {ver} crashes on a malformed header and drops the connection",
            "The readiness probe marked pods ready before {svc} finished warming up",
        ),
        ("Load balancer health check misconfigured", "DNS TTL too long"),
        (
            ("Roll back {svc}", "kubectl -n {env} rollout undo {workload}"),
            (
                "Align keepalive timeouts",
                "kubectl -n {env} annotate ingress {svc} "
                "nginx.ingress.kubernetes.io/upstream-keepalive-timeout=30 --overwrite",
            ),
        ),
        (
            (
                "Count 502s per upstream",
                "kubectl -n ingress-nginx logs deploy/ingress-nginx | grep "
                "' 502 ' | awk '{{print $NF}}' | sort | uniq -c",
                "{n} {svc}-{pod}",
            ),
        ),
        ("Alert on 5xx ratio above 1% per upstream", "Canary releases with automatic rollback"),
        (
            "{svc} 502 bad gateway",
            "502 bad gateway {env}",
            "upstream prematurely closed connection",
            "nginx 502 {svc}",
            "no live upstreams {svc}",
        ),
        (
            "{what} gives bad gateway errors",
            "proxy errors in front of {what}",
            "gateway error when calling {what}",
            "users see error page from {what}",
        ),
    ),
    Mode(
        "gateway_timeout",
        (
            "{svc} requests time out with 504",
            "504 Gateway Timeout from {svc} in {env}",
            "Slow {svc} causes upstream timeouts",
            "{svc} p99 latency above {n}s",
        ),
        (
            "504 Gateway Timeout",
            "upstream timed out (110: Connection timed out)",
            "context deadline exceeded",
            "{exc_timeout}",
        ),
        (
            "p99 latency of {svc} rose from 180ms to {n}s",
            "upstream timed out (110: Connection timed out) while reading response header",
            "{caller} logs {exc_timeout}",
            "{pct}% of requests end in 504 Gateway Timeout",
        ),
        (
            "A slow query without an index on a {n}M row table after {trigger}",
            "Thread pool of {svc} exhausted by a downstream that stopped answering",
            "CPU throttling of {svc} at its {cpu} core limit",
        ),
        ("Network packet loss", "Garbage collection pauses"),
        (
            (
                "Add the missing index",
                "psql -c 'CREATE INDEX CONCURRENTLY ix_orders_customer ON orders (customer_id)'",
            ),
            (
                "Set a client timeout and circuit breaker",
                "kubectl -n {env} set env {workload} DOWNSTREAM_TIMEOUT_MS=2000",
            ),
        ),
        (
            ("Find slow requests", "kubectl -n {env} logs {pod} | grep -c 'timed out'", "{n}"),
            ("Check throttling", "kubectl -n {env} top pod {pod}", "CPU {cpu}000m"),
        ),
        ("SLO alert on p99 latency", "Timeouts and retries budgets on every client"),
        (
            "{svc} 504 gateway timeout",
            "upstream timed out 110 connection timed out",
            "{svc} context deadline exceeded",
            "{svc} slow requests timeout",
            "{exc_timeout}",
        ),
        (
            "{what} is very slow",
            "requests to {what} hang",
            "{what} takes forever to respond",
            "latency spike {what}",
        ),
    ),
    Mode(
        "crashloop",
        (
            "{svc} in CrashLoopBackOff after {trigger}",
            "{svc} pods crash looping in {env}",
            "CrashLoopBackOff: {svc} fails on startup",
        ),
        (
            "CrashLoopBackOff",
            "Back-off restarting failed container",
            "{exc_generic}",
            "exited with code 1",
        ),
        (
            "kubectl get pods shows {svc}-{pod} in CrashLoopBackOff with {n} restarts",
            "Container logs end with {exc_generic}",
            "Deployment rollout of {svc} {ver} stuck at 1 of {cpu} replicas",
        ),
        (
            "A required environment variable was removed in {trigger}",
            "The config map for {svc} {ver} has a typo in the database URL",
            "Startup migration of {svc} fails on a locked table",
        ),
        ("Liveness probe too aggressive", "Node out of disk"),
        (
            ("Roll back the deployment", "kubectl -n {env} rollout undo {workload}"),
            (
                "Restore the missing variable",
                "kubectl -n {env} set env {workload} DATABASE_URL=...",
            ),
        ),
        (
            (
                "Read the previous container logs",
                "kubectl -n {env} logs {pod} --previous",
                "{exc_generic}\n  at startup",
            ),
        ),
        ("Validate config and env in CI with a dry-run start",),
        (
            "{svc} crashloopbackoff",
            "CrashLoopBackOff {svc} {env}",
            "back-off restarting failed container {svc}",
            "{svc} pod keeps restarting",
        ),
        ("{what} won't start", "{what} fails to boot after deploy", "{what} restarts in a loop"),
    ),
    Mode(
        "image_pull",
        ("{svc} stuck in ImagePullBackOff", "ErrImagePull for {svc} {ver} in {env}"),
        (
            "ImagePullBackOff",
            "ErrImagePull",
            "manifest unknown",
            "pull access denied, repository does not exist",
        ),
        (
            "New {svc} pods stay in ImagePullBackOff",
            "Events: Failed to pull image "
            "registry.{region}.example.com/{svc}:{ver}: manifest unknown",
        ),
        ("The CI pipeline pushed {ver} to the wrong registry", "The registry pull secret expired"),
        ("Registry outage", "Node disk full"),
        (
            (
                "Push the image to the right registry",
                "crane copy ci.example.com/{svc}:{ver} registry.{region}.example.com/{svc}:{ver}",
            ),
            (
                "Rotate the pull secret",
                "kubectl -n {env} create secret docker-registry regcred "
                "--docker-server=registry.{region}.example.com",
            ),
        ),
        (
            (
                "Describe the pod",
                "kubectl -n {env} describe pod {pod}",
                "Warning Failed kubelet Failed to pull image: manifest unknown",
            ),
        ),
        ("Verify the image exists before the deploy step",),
        ("{svc} ImagePullBackOff", "ErrImagePull manifest unknown", "{svc} image pull failed"),
        ("new version of {what} cannot be downloaded", "{what} image missing in registry"),
    ),
    Mode(
        "dns",
        (
            "DNS resolution failures for {svc} in {env}",
            "{caller} cannot resolve {svc}",
            "NXDOMAIN for {svc}.{env}.svc.cluster.local",
        ),
        (
            "NXDOMAIN",
            "SERVFAIL",
            "getaddrinfo ENOTFOUND {svc}",
            "no such host",
            "Temporary failure in name resolution",
        ),
        (
            "{caller} logs getaddrinfo ENOTFOUND {svc}.{env}.svc.cluster.local",
            "dig returns SERVFAIL for {svc} intermittently",
            "coredns pods at {pct}% CPU",
        ),
        (
            "coredns was scaled down to one replica during {trigger}",
            "ndots:5 caused {n}x more DNS queries from {caller}",
            "The upstream resolver in {region} dropped UDP packets",
        ),
        ("Wrong service name", "conntrack table full"),
        (
            ("Scale coredns", "kubectl -n kube-system scale deployment/coredns --replicas=4"),
            (
                "Use a fully qualified name with a trailing dot",
                "kubectl -n {env} set env "
                "{workload} {svc_upper}_HOST={svc}.{env}.svc.cluster.local.",
            ),
        ),
        (
            (
                "Resolve from a debug pod",
                "dig {svc}.{env}.svc.cluster.local",
                ";; ->>HEADER<<- opcode: QUERY, status: SERVFAIL",
            ),
        ),
        ("Deploy NodeLocal DNSCache", "Alert on coredns error rate"),
        (
            "{svc} NXDOMAIN",
            "getaddrinfo ENOTFOUND {svc}",
            "dns SERVFAIL {env}",
            "temporary failure in name resolution {svc}",
            "no such host {svc}",
        ),
        ("name lookup for {what} fails", "cannot find host of {what}", "dns broken for {what}"),
    ),
    Mode(
        "too_many_connections",
        (
            "{svc} refuses new connections: too many clients",
            "Connection pool exhausted to {svc}",
            "{svc} max_connections reached in {env}",
        ),
        (
            "FATAL: sorry, too many clients already",
            "remaining connection slots are reserved",
            "HikariPool-1 - Connection is not available, request timed out after 30000ms",
            "Too many connections",
        ),
        (
            "{caller} logs HikariPool-1 - Connection is not available",
            "{svc} reports {n} of {n2} connections in use",
            "Errors 'FATAL: sorry, too many clients already' after {trigger}",
        ),
        (
            "{trigger} scaled {caller} to {n} replicas with a pool of 20 each",
            "Idle transactions held connections open for hours",
            "A connection leak in {caller} {ver} never returned connections to the pool",
        ),
        ("Slow queries", "Network partition"),
        (
            ("Put pgbouncer in front of {svc}", "kubectl -n {env} apply -f pgbouncer.yaml"),
            (
                "Kill idle in transaction sessions",
                'psql -c "select pg_terminate_backend(pid) from '
                "pg_stat_activity where state = 'idle in transaction'\"",
            ),
        ),
        (
            (
                "Count connections by client",
                "psql -c 'select usename, application_name, count(*) "
                "from pg_stat_activity group by 1,2 order by 3 desc'",
                "{caller} | {n}",
            ),
        ),
        ("Alert at 80% of max_connections", "Size pools from replicas x pool size in review"),
        (
            "{svc} too many clients",
            "too many connections {svc}",
            "HikariPool connection is not available",
            "{svc} connection pool exhausted",
            "sorry too many clients already",
        ),
        (
            "{what} out of connections",
            "{caller} waits for a free connection to the {what}",
            "connection limit reached on {what}",
        ),
    ),
    Mode(
        "fd_exhaustion",
        (
            "Too many open files in {svc}",
            "{svc} hits the file descriptor limit",
            "EMFILE errors from {svc} in {env}",
        ),
        ("Too many open files", "EMFILE", "accept4() failed (24: Too many open files)"),
        (
            "{svc} logs accept4() failed (24: Too many open files)",
            "New connections to {svc}:{port} hang",
            "lsof shows {n}k open sockets in CLOSE_WAIT",
        ),
        (
            "ulimit -n was 1024 in the new base image used since {trigger}",
            "A socket leak in {svc} {ver} left connections in CLOSE_WAIT",
        ),
        ("Kernel limit fs.file-max", "Too many threads"),
        (
            (
                "Raise the file descriptor limit",
                "kubectl -n {env} set env {workload} ULIMIT_NOFILE=65536",
            ),
        ),
        (("Count open files", "ls /proc/$(pgrep {svc})/fd | wc -l", "{n}024"),),
        ("Export process_open_fds and alert at 80% of the limit",),
        ("{svc} too many open files", "EMFILE {svc}", "accept4 failed too many open files"),
        ("{what} runs out of file handles", "{what} socket leak"),
    ),
    Mode(
        "replication_lag",
        (
            "{svc} replica lag above {n} seconds",
            "Replication lag on {svc} in {env}",
            "{svc} followers fall behind the leader",
        ),
        (
            "replication lag",
            "Under-replicated partitions",
            "ISR shrink",
            "replica is behind the primary",
        ),
        (
            "Reads from {svc} replicas return stale data",
            "Replication lag of {n}s on {host}",
            "Alert {svc_upper}ReplicationLag firing in {region}",
        ),
        (
            "A bulk backfill after {trigger} wrote {n}GB in one transaction",
            "The replica disk in {region} is slower (gp2 instead of gp3)",
            "Network bandwidth between {region} zones saturated",
        ),
        ("Long-running query on the replica", "Clock skew"),
        (
            ("Throttle the backfill", "kubectl -n {env} set env job/backfill BATCH_SIZE=1000"),
            ("Move the replica to faster storage", "terraform apply -target=module.{svc}_replica"),
        ),
        (
            (
                "Check lag",
                "psql -h {host} -c 'select now() - pg_last_xact_replay_timestamp()'",
                "00:0{cpu}:{n}",
            ),
        ),
        ("Alert on lag above 30 seconds", "Run backfills in small batches"),
        (
            "{svc} replication lag",
            "{svc} replica behind",
            "under replicated partitions {svc}",
            "ISR shrink {svc}",
        ),
        ("{what} copies out of sync", "stale reads from {what} replica", "{what} follower slow"),
    ),
    Mode(
        "consumer_lag",
        (
            "{svc} consumer lag growing in {env}",
            "Queue backlog of {n}k messages on {svc}",
            "Consumers of {svc} cannot keep up after {trigger}",
        ),
        ("consumer lag", "messages_ready", "rebalancing", "CommitFailedException"),
        (
            "Consumer group {caller} lag at {n}00k messages and growing",
            "Consumers rebalance every few minutes: CommitFailedException",
            "{svc} queue depth {n}k, processing rate below publish rate",
        ),
        (
            "max.poll.interval.ms exceeded because each batch took longer after {trigger}",
            "A poison message made {caller} retry forever",
            "Only {cpu} consumers for {n} partitions",
        ),
        ("Broker disk full", "Producer burst"),
        (
            ("Scale the consumers", "kubectl -n {env} scale deploy/{caller} --replicas={n}"),
            (
                "Skip the poison message",
                "kafka-consumer-groups.sh --reset-offsets --shift-by 1 --group {caller} --execute",
            ),
        ),
        (
            (
                "Describe the consumer group",
                "kafka-consumer-groups.sh --describe --group {caller}",
                "TOPIC PARTITION LAG\norders 0 {n}0000",
            ),
        ),
        ("Alert on lag growth rate", "Dead-letter queue for messages failing 5 times"),
        (
            "{svc} consumer lag",
            "kafka consumer lag growing",
            "{svc} queue backlog",
            "CommitFailedException rebalancing {svc}",
        ),
        ("{what} is backed up", "messages piling up in {what}", "workers fall behind on {what}"),
    ),
    Mode(
        "cpu_throttling",
        (
            "{svc} CPU throttled at its limit",
            "High CPU on {svc} in {env}",
            "CPU throttling slows {svc} after {trigger}",
        ),
        ("container_cpu_cfs_throttled_seconds_total", "CPU throttling", "load average {n}"),
        (
            "{svc} pods throttled {pct}% of periods",
            "Latency of {svc} doubles at peak traffic",
            "top shows {svc} at {cpu}00% CPU",
        ),
        (
            "The CPU limit of {cpu} cores was set for the old traffic level",
            "A regex in {svc} {ver} backtracks on long inputs",
        ),
        ("Noisy neighbour", "Memory pressure"),
        (
            (
                "Remove the CPU limit, keep the request",
                "kubectl -n {env} set resources {workload} --limits=cpu=0 --requests=cpu={cpu}",
            ),
        ),
        (("Check throttling", "kubectl -n {env} top pod {pod}", "CPU {cpu}000m"),),
        ("Alert on throttled periods above 25%",),
        ("{svc} cpu throttling", "{svc} high cpu", "container cpu cfs throttled {svc}"),
        ("{what} is using all the processor", "{what} slowed by cpu limits"),
    ),
    Mode(
        "rate_limited",
        ("{caller} rate limited by {svc}: 429 Too Many Requests", "429s from {svc} in {env}"),
        ("429 Too Many Requests", "rate limit exceeded", "Retry-After"),
        (
            "{pct}% of calls from {caller} to {svc} return 429 Too Many Requests",
            "Retries amplify the load on {svc}",
        ),
        ("A retry loop without backoff in {caller} {ver}", "The quota of {svc} was lowered"),
        ("DDoS", "Bot traffic"),
        (
            (
                "Add exponential backoff with jitter",
                "kubectl -n {env} set env deploy/{caller} RETRY_BACKOFF=exponential",
            ),
        ),
        (("Count 429s", "kubectl -n {env} logs deploy/{caller} | grep -c ' 429 '", "{n}000"),),
        ("Client libraries enforce backoff",),
        ("{svc} 429 too many requests", "rate limit exceeded {svc}", "429 errors {caller}"),
        ("{what} throttles our requests", "{caller} blocked for sending too much to {what}"),
    ),
    Mode(
        "deadlock",
        ("Deadlocks in {svc} during {trigger}", "{svc} lock wait timeouts in {env}"),
        (
            "deadlock detected",
            "Lock wait timeout exceeded; try restarting transaction",
            "could not obtain lock on row",
        ),
        ("{caller} logs ERROR: deadlock detected", "Transactions on {svc} wait {n}s for locks"),
        (
            "Two code paths in {caller} {ver} update orders and payments in opposite order",
            "A migration in {trigger} took an ACCESS EXCLUSIVE lock",
        ),
        ("Hardware failure", "Replication lag"),
        (("Lock rows in a consistent order", "git revert <commit of {ver}>"),),
        (
            (
                "List blocking locks",
                "psql -c 'select * from pg_locks where not granted'",
                "{n} rows",
            ),
        ),
        ("Alert on deadlocks per minute",),
        ("{svc} deadlock detected", "lock wait timeout exceeded", "{svc} transactions blocked"),
        ("{what} transactions stuck waiting", "{what} locking problem"),
    ),
    Mode(
        "node_not_ready",
        (
            "Kubernetes node NotReady in {env}",
            "{host} NotReady: kubelet stopped posting status",
            "Nodes flapping NotReady in {region}",
        ),
        (
            "NodeNotReady",
            "Kubelet stopped posting node status",
            "PLEG is not healthy",
            "container runtime is down",
        ),
        (
            "{host} NotReady for {n} minutes",
            "Pods on {host} evicted and rescheduled",
            "kubelet logs: PLEG is not healthy: pleg was last seen active {n}m ago",
        ),
        (
            "containerd hung after {trigger}",
            "The node ran out of PIDs",
            "Disk pressure from images on {host}",
        ),
        ("Cloud provider outage", "Network partition"),
        (
            (
                "Cordon, drain and replace the node",
                "kubectl drain {host} --ignore-daemonsets --delete-emptydir-data",
            ),
        ),
        (
            (
                "Check node conditions",
                "kubectl describe node {host}",
                "Ready False KubeletNotReady PLEG is not healthy",
            ),
        ),
        ("Node problem detector with auto-repair",),
        (
            "node NotReady {env}",
            "kubelet stopped posting node status",
            "PLEG is not healthy",
            "{host} not ready",
        ),
        ("kubernetes machine went offline", "worker node unhealthy in {region}"),
    ),
    Mode(
        "conn_reset",
        (
            "Connections to {svc} reset by peer",
            "ECONNRESET from {svc} in {env}",
            "Broken pipe errors between {caller} and {svc}",
        ),
        ("ECONNRESET", "Connection reset by peer", "Broken pipe", "{exc_reset}"),
        (
            "{caller} logs {exc_reset} under load",
            "{pct}% of requests to {svc} fail with Connection reset by peer",
        ),
        (
            "An idle timeout of {n}0s on the load balancer closed pooled connections",
            "{svc} restarted during {trigger} without draining",
        ),
        ("MTU mismatch", "Bad NIC"),
        (
            (
                "Lower the client pool idle timeout",
                "kubectl -n {env} set env deploy/{caller} POOL_IDLE_TIMEOUT_MS=30000",
            ),
        ),
        (
            (
                "Capture resets",
                "tcpdump -i any 'tcp[tcpflags] & tcp-rst != 0' and port {port}",
                "{n} packets captured",
            ),
        ),
        ("Graceful shutdown with preStop hooks",),
        ("{svc} ECONNRESET", "connection reset by peer {svc}", "broken pipe {caller}"),
        ("{what} drops connections", "{what} hangs up on clients"),
    ),
    Mode(
        "permission_denied",
        (
            "{svc} permission denied after {trigger}",
            "403 Forbidden from {svc} in {env}",
            "EACCES writing to {svc} data directory",
        ),
        ("permission denied", "EACCES", "403 Forbidden", "AccessDenied"),
        (
            "{svc} fails to start: open /var/lib/{svc}/data: permission denied",
            "{caller} receives 403 Forbidden from {svc}",
        ),
        (
            "The new image {ver} runs as a non-root user that cannot write the volume",
            "The IAM role of {caller} lost s3:GetObject in {trigger}",
        ),
        ("SELinux", "Expired token"),
        (
            (
                "Set fsGroup on the pod",
                "kubectl -n {env} patch {workload} -p "
                '\'{{"spec":{{"template":{{"spec":{{"securityContext":{{"fsGroup":1000}}}}}}}}}}\'',
            ),
        ),
        (("Check ownership", "ls -ln /var/lib/{svc}", "drwx------ 0 0 data"),),
        ("Test images as non-root in CI",),
        ("{svc} permission denied", "EACCES {svc}", "403 forbidden {svc}", "AccessDenied {caller}"),
        ("{what} not allowed to write its files", "access refused by {what}"),
    ),
    Mode(
        "gc_pauses",
        ("Long GC pauses in {svc}", "{svc} stop-the-world pauses of {n}s in {env}"),
        ("GC overhead limit exceeded", "stop-the-world pause", "{exc_oom}"),
        ("{svc} GC pauses of {n}s every few minutes", "Heap usage of {svc} at {pct}%"),
        (
            "Heap of {mem}Gi too small for the cache size introduced in {trigger}",
            "G1 region size too small for large objects",
        ),
        ("CPU throttling", "Swap"),
        (
            (
                "Increase heap and switch to ZGC",
                "kubectl -n {env} set env {workload} JAVA_OPTS='-Xmx{mem2}g -XX:+UseZGC'",
            ),
        ),
        (
            (
                "Read GC logs",
                "grep 'Pause Full' /var/log/{svc}/gc.log | tail -3",
                "Pause Full (G1 Compaction Pause) {n}000ms",
            ),
        ),
        ("Alert on GC time ratio above 10%",),
        ("{svc} gc pauses", "GC overhead limit exceeded", "stop the world pause {svc}"),
        ("{what} freezes periodically", "{what} pauses for seconds"),
    ),
    Mode(
        "clock_skew",
        ("Clock skew breaks {svc} authentication", "Token used before issued errors in {svc}"),
        (
            "clock skew detected",
            "Token used before issued",
            "iat in the future",
            "NTP unsynchronised",
        ),
        ("Logins via {svc} fail with Token used before issued", "{host} clock {n}s ahead"),
        ("chronyd was disabled on the new node image after {trigger}",),
        ("Expired keys",),
        (("Re-enable time sync", "systemctl enable --now chronyd"),),
        (("Check time sync", "chronyc tracking", "System time : {n}.2 seconds fast"),),
        ("Alert on clock offset above 1 second",),
        ("token used before issued", "{svc} clock skew", "NTP unsynchronised {host}"),
        ("server time wrong on {what}", "{what} logins fail because of time"),
    ),
    Mode(
        "bad_deploy",
        (
            "{svc} 5xx spike after the {ver} deploy",
            "Errors in {svc} after release {ver}",
            "Regression in {svc} {ver} in {env}",
        ),
        ("HTTP 500", "{exc_generic}", "Internal Server Error", "5xx rate {pct}%"),
        (
            "5xx rate of {svc} jumped to {pct}% minutes after deploying {ver}",
            "Logs show {exc_generic} in the new code path",
            "Error budget burn alert for {svc}",
        ),
        (
            "{ver} assumed a column that the migration in {trigger} had not created yet",
            "A feature flag was enabled for all users together with {ver}",
        ),
        ("Database overload", "Bad node"),
        (
            ("Roll back to the previous version", "kubectl -n {env} rollout undo {workload}"),
            ("Disable the feature flag", "flagctl disable new-{svc}-path --env {env}"),
        ),
        (
            (
                "Compare error rates per version",
                "kubectl -n {env} logs -l app={svc} --since=30m | grep -c 500",
                "{n}00",
            ),
        ),
        ("Canary deploys with automatic rollback on 5xx",),
        (
            "{svc} 500 errors after deploy",
            "{svc} {ver} regression",
            "5xx spike {svc} release",
            "{exc_generic}",
        ),
        (
            "{what} broke after the release",
            "new version of {what} throws errors",
            "deploy made {what} fail",
        ),
    ),
    Mode(
        "inode_exhaustion",
        ("Inodes exhausted on {host}", "No space left on device with free disk on {host}"),
        ("No space left on device", "IUse% 100%", "ENOSPC"),
        (
            "Writes fail with No space left on device although df -h shows {pct}% used",
            "df -i shows 100% inode usage on /var/lib/{svc}",
        ),
        ("Millions of tiny session files written by {svc} {ver}",),
        ("Full disk",),
        (("Remove stale small files", "find /var/lib/{svc}/sessions -type f -mmin +60 -delete"),),
        (("Check inode usage", "df -i /var/lib/{svc}", "IUse% 100%"),),
        ("Alert on inode usage at 85%",),
        ("no space left on device inodes", "{svc} inode exhaustion", "df -i 100% {host}"),
        ("{what} disk says full but has free space", "too many files on {what} host"),
    ),
]

TRIGGERS = (
    "the {ver} deploy",
    "the node pool upgrade",
    "a config change",
    "the Helm chart upgrade",
    "Black Friday traffic",
    "the Kubernetes 1.29 upgrade",
    "the region failover",
    "the schema migration",
    "the new feature launch",
    "a certificate rotation",
)
CALLERS = (
    "checkout-api",
    "orders-worker",
    "api-gateway",
    "billing-service",
    "mobile-bff",
    "reporting-job",
    "inventory-api",
    "notification-service",
    "web-frontend",
)
SYNONYMS = {
    "pods": "containers",
    "restarting": "rebooting",
    "errors": "failures",
    "slow": "sluggish",
    "fails": "breaks",
}
PROSE = (
    "The on-call engineer was paged by {alert}.",
    "Impact lasted {n} minutes in {region}.",
    "Customers of the {team} team noticed first.",
    "The incident was declared SEV{sev}.",
    "The problem did not reproduce in staging.",
    "Dashboards for {svc} showed the change clearly.",
    "A status page update went out after {n} minutes.",
    "Error rates returned to normal after the fix.",
    "The {team} team owns {svc} and led the response.",
)


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format(**slots)


def generate_runbook(index: int) -> dict[str, Any]:
    """The ``RunbookCreate`` body of runbook ``index`` (deterministic)."""
    rng = random.Random(SEED * 1_000_003 + index)
    svc, what, port, cli, workload = rng.choice(SERVICES)
    mode = MODES[rng.randrange(len(MODES))]
    lang = rng.choice(LANGS)
    env, region = rng.choice(ENVS), rng.choice(REGIONS)
    slots = {
        "svc": svc,
        "what": what,
        "port": str(port),
        "workload": workload,
        "env": env,
        "region": region,
        "team": rng.choice(TEAMS),
        "caller": rng.choice(CALLERS),
        "svc_upper": svc.upper().replace("-", "_"),
        "host": f"{svc}-{rng.choice(('prod', 'node', 'db', 'ip'))}-{rng.randint(1, 40):02d}",
        "pod": f"{svc}-{rng.randint(0, 9)}",
        "cluster": f"k8s-{region}-{rng.randint(1, 4)}",
        "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "ver": f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        "n": str(rng.randint(2, 60)),
        "n2": str(rng.randint(100, 500)),
        "pct": str(rng.randint(5, 99)),
        "mem": str(rng.choice((1, 2, 4, 8))),
        "mem2": str(rng.choice((8, 12, 16, 32))),
        "disk": str(rng.choice((50, 100, 200, 500))),
        "cpu": str(rng.randint(1, 8)),
        "sev": str(rng.randint(1, 3)),
        "alert": rng.choice(
            (
                "a PagerDuty alert",
                "a customer ticket",
                "the SLO burn alert",
                "a synthetic probe",
                "a Slack report",
            )
        ),
        "exc_oom": EXCEPTIONS[lang][0],
        "exc_timeout": EXCEPTIONS[lang][1],
        "exc_generic": EXCEPTIONS[lang][2],
        "exc_tls": EXCEPTIONS[lang][3],
        "exc_reset": EXCEPTIONS[lang][1] if lang != "node" else "Error: read ECONNRESET",
    }
    slots["cli"] = cli.format(**slots)
    slots["trigger"] = rng.choice(TRIGGERS).format(**slots)
    f = lambda t: _fill(t, slots)  # noqa: E731
    sample = lambda seq, lo, hi: rng.sample(seq, min(len(seq), rng.randint(lo, hi)))  # noqa: E731
    title = f(rng.choice(mode.titles))
    if rng.random() < 0.5:
        title += f" ({env}, {region})" if rng.random() < 0.5 else f" for the {slots['team']} team"
    cause = f(rng.choice(mode.causes))
    errors = [f(e) for e in sample(mode.errors, 1, 3)]
    summary = " ".join(
        [
            f"{f(rng.choice(mode.symptoms))}.",
            f"Root cause: {cause[0].lower()}{cause[1:]}.",
            f"Affected: {svc} in {env} ({region}) and {slots['caller']}.",
            *(f(p) for p in sample(PROSE, 2, 4)),
        ]
    )
    symptoms = [f(s) for s in sample(mode.symptoms, 2, 4)] + [f'Error: "{e}"' for e in errors]
    fixes = sample(mode.fixes, 1, 2)
    checks = mode.checks
    severity = rng.choices(("critical", "high", "medium", "low"), (2, 4, 3, 1))[0]
    status = rng.choices(("published", "draft", "in_review", "archived"), (85, 6, 5, 4))[0]
    tags = sorted(
        {
            mode.key.replace("_", "-"),
            env,
            rng.choice(("kubernetes", "vm", "aws", "gcp")),
            *rng.sample(
                (
                    "incident",
                    "latency",
                    "availability",
                    "capacity",
                    "security",
                    "data",
                    "networking",
                ),
                2,
            ),
        }
    )
    return {
        "title": title,
        "summary": summary,
        "severity": severity,
        "status": status,
        "services": sorted({svc, slots["caller"]}) if rng.random() < 0.4 else [svc],
        "tags": tags,
        "owner": f"{slots['team']} team",  # a name: owners may not be e-mail addresses
        "review_by": date(2027, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "symptoms": symptoms,
        "affected_systems": [f"{svc} in {env} ({region})", f"{slots['caller']} and its users"],
        "diagnosis": {
            "blast_radius": [
                {"check": f(c[1]), "finding": f(rng.choice(mode.symptoms))} for c in checks
            ]
            + [
                {
                    "check": f"{slots['caller']} dashboard (Grafana)",
                    "finding": f("{caller} error rate {pct}%, p99 latency {n}00ms"),
                }
            ],
            "timeline": [
                {"event": f"Change: {slots['trigger']} rolled out in {env}", "kind": "change"},
                {"event": f"Problem started: {f(rng.choice(mode.symptoms))}", "kind": "alert"},
                *({"event": f(s), "kind": "observation"} for s in sample(mode.symptoms, 1, 3)),
                *({"event": f"Ruled out: {f(h)}", "kind": "action"} for h in mode.refuted[:1]),
                {"event": f"Applied: {f(fixes[0][0])}", "kind": "action"},
                {"event": f"{svc} back to normal; {f(rng.choice(PROSE))}", "kind": "observation"},
            ],
            "hypotheses": [
                {"statement": f(h), "status": "refuted"} for h in sample(mode.refuted, 1, 2)
            ]
            + [{"statement": cause, "status": "validated"}],
            "validations": [
                {
                    "description": f(d),
                    "command": f(c),
                    "output": f(o),
                    "conclusion": f"Confirms: {errors[0]}",
                }
                for d, c, o in checks
            ],
        },
        "root_cause": {
            "cause": cause,
            "evidence": [f"{f(checks[0][0])}: {f(checks[0][2]).splitlines()[-1]}"],
            "contributing_factors": [f(p) for p in sample(PROSE, 1, 1)],
        },
        "solution": {
            "fixes": [
                {
                    "title": f(t),
                    "steps": [f"{f(t)} on {env}", f"Watch {svc} for {slots['n']} minutes"],
                    "commands": [f(c)],
                }
                for t, c in fixes
            ],
            "validation": [f"No new '{errors[0]}' errors for 30 minutes", f"{slots['cli']} is OK"],
            "rollback": [f"Revert with: kubectl -n {env} rollout undo {workload}"],
            "tried_and_failed": [
                {
                    "title": f"Restarted {svc} (the problem came back)",
                    "commands": [f"kubectl -n {env} rollout restart {workload}"],
                }
            ],
        },
        "prevention": {
            "monitoring": [f(p) for p in mode.prevention[:1]],
            "process": [f(p) for p in mode.prevention[1:2]],
        },
    }


def generate_queries(count: int) -> list[tuple[str, str]]:
    """``count`` user queries (kind, text): 3-8 words, half exact error strings / service
    names, half paraphrases in other words."""
    rng = random.Random(SEED + 7)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        svc, what, port, _cli, _workload = rng.choice(SERVICES)
        mode = rng.choice(MODES)
        lang = rng.choice(LANGS)
        slots = {
            "svc": svc,
            "what": what,
            "port": str(port),
            "env": rng.choice(ENVS),
            "caller": rng.choice(CALLERS),
            "host": f"{svc}-prod-{rng.randint(1, 40):02d}",
            "region": rng.choice(REGIONS),
            "ver": f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
            "exc_oom": EXCEPTIONS[lang][0],
            "exc_timeout": EXCEPTIONS[lang][1],
            "exc_generic": EXCEPTIONS[lang][2],
            "exc_tls": EXCEPTIONS[lang][3],
        }
        exact = len(out) % 2 == 0
        template = rng.choice(mode.queries if exact else mode.paraphrases)
        query = template.format(**slots)
        words = query.split()
        if len(words) < 3:
            words += rng.sample(
                ("error", "prod", svc, "kubernetes", "again", "today"), 3 - len(words)
            )
        query = " ".join(words[:8])
        if not exact:
            query = " ".join(SYNONYMS.get(w, w) for w in query.split())
        out.append(("exact" if exact else "paraphrase", query))
    return out


# ---- timing helpers ----------------------------------------------------------------------------


def _ms(ns: float) -> float:
    return ns / 1e6


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Stats:
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, values_ms: list[float]) -> Stats:
        return cls(
            percentile(values_ms, 50), percentile(values_ms, 95), statistics.fmean(values_ms)
        )


class Stages:
    """Monkeypatched timing wrappers around named callables (restored by ``restore``). A name
    this revision lacks is skipped (listed in ``missing``), so the bench survives refactors."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.missing: list[str] = []
        self.labels: list[str] = []  # in wrapping order
        self._undo: list[tuple[Any, str, Any, bool]] = []

    def wrap(self, owner: Any, attr: str, label: str, *, optional: bool = False) -> bool:
        """Time ``owner.attr`` under ``label``; ``optional``: an alternative name that may be
        absent (not listed as missing)."""
        if not hasattr(owner, attr):
            if not optional:
                name = getattr(owner, "__name__", type(owner).__name__)
                self.missing.append(f"{name.rpartition('.')[2]}.{attr}")
            return False
        had_own = hasattr(owner, "__dict__") and attr in vars(owner)
        original = vars(owner)[attr] if had_own else getattr(owner, attr)
        totals, calls = self.totals, self.calls
        target = original.__func__ if isinstance(original, staticmethod) else original

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return target(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter_ns() - start
                calls[label] += 1

        setattr(owner, attr, staticmethod(timed) if isinstance(original, staticmethod) else timed)
        self._undo.append((owner, attr, original, had_own))
        if label not in self.labels:
            self.labels.append(label)
        return True

    def restore(self) -> None:
        for owner, attr, original, had_own in reversed(self._undo):
            if had_own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)
        self._undo.clear()

    @contextlib.contextmanager
    def active(self) -> Iterator[Stages]:
        try:
            yield self
        finally:
            self.restore()


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ---- targets (a fresh database per backend and size) -----------------------------------------


@dataclass
class Target:
    backend: str
    size: int
    url: str
    factory: sessionmaker[Session]
    runtime: SearchRuntime
    engine: Any
    keyword_cls: type  # what ``runtime.keyword_index`` / ``vector_index`` choose here
    vector_cls: type


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}%2Cpublic"


@contextlib.contextmanager
def open_target(backend: str, size: int, workdir: Path, pg_url: str) -> Iterator[Target]:
    admin = None
    if backend == "embedded":
        data_dir = workdir / f"sqlite-{size}"
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=data_dir, vector_backend="embedded", auto_migrate=False)
        url = settings.resolved_database_url
    else:
        admin = make_engine(pg_url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        url = _with_search_path(pg_url, PG_SCHEMA)
        settings = Settings(
            data_dir=workdir, database_url=url, vector_backend="pgvector", auto_migrate=False
        )
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = search_service.session_factory_for(engine, settings)
        runtime = factory.kw["info"]["search"]
        with unit_of_work(factory) as session:
            keyword_cls = type(runtime.keyword_index)
            vector_cls = type(runtime.vector_index(session))
        yield Target(backend, size, url, factory, runtime, engine, keyword_cls, vector_cls)
    finally:
        engine.dispose()  # the runtime, and its caches, go with the target
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            admin.dispose()
        else:
            shutil.rmtree(workdir / f"sqlite-{size}", ignore_errors=True)


def clear_runtime_caches(runtime: SearchRuntime) -> None:
    """Forget the runtime's index caches (as a restarted server would)."""
    runtime.keyword_index._caches.clear()
    runtime.embedded_vectors._caches.clear()


def database_size_mb(target: Target) -> float:
    with target.engine.connect() as connection:
        if target.backend == "embedded":
            path = Path(target.engine.url.database)
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
        return (
            connection.scalar(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind IN ('r', 'm')"
                ),
                {"s": PG_SCHEMA},
            )
            / 2**20
        )


# ---- ingest ------------------------------------------------------------------------------------


class _WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Batch:
    docs: int
    seconds: float
    stages: dict[str, float]  # seconds
    variant: str = "create"  # "create": create_runbook per runbook; "import": import_runbooks


@dataclass
class Ingest:
    size: int
    fill: str  # how the database was filled before the measured batches
    fill_docs: int
    fill_seconds: float
    batches: list[Batch]
    parse_seconds: float  # generating + RunbookCreate.model_validate (never counted)
    drain_warnings: int
    index_build_seconds: float = 0.0  # pgvector HNSW built after a bulk fill
    db_mb: float = 0.0
    stage_labels: list[str] = field(default_factory=list)  # wrapping order (nesting shown)
    missing_stages: list[str] = field(default_factory=list)

    def rate(self, variant: str = "import") -> float:
        chosen = [b for b in self.batches if b.variant == variant]
        seconds = sum(b.seconds for b in chosen)
        return sum(b.docs for b in chosen) / seconds if seconds else 0.0

    def stage_share(self, variant: str = "import") -> dict[str, float]:
        """Share of the measured time per stage, in wrapping order (nested rows follow their
        parent)."""
        chosen = [b for b in self.batches if b.variant == variant]
        total = sum(b.seconds for b in chosen)
        out: Counter[str] = Counter()
        for b in chosen:
            out.update(b.stages)
        return {k: out[k] / total for k in self.stage_labels if k in out}


def _creates(start: int, stop: int) -> list[RunbookCreate]:
    return [RunbookCreate.model_validate(generate_runbook(i)) for i in range(start, stop)]


def ingest_stages(target: Target) -> Stages:
    """Timing wrappers around the write path of ``create_runbook`` (indented = nested). Both the
    per-document and the batched names of a stage are tried; only the existing ones are timed."""
    stages = Stages()
    wrap = stages.wrap
    wrap(search_service, "drain", "outbox drain after commit")
    wrap(target.runtime.embedder(), "embed", "  of which embedding")
    wrap(target.vector_cls, "upsert", "  of which vector store upsert")
    wrap(runbooks_service, "redact_content", "redaction")
    if not any(
        [
            wrap(search_service, name, f"search_service.{name} (keyword + outbox)", optional=True)
            for name in ("index_documents", "index_document")
        ]
    ):
        stages.missing.append("search_service.index_document(s)")
    wrap(target.keyword_cls, "upsert", "  of which keyword index upsert")
    if target.keyword_cls is keyword_memory.MemoryKeywordIndex:
        wrap(keyword_memory, "analysed_row", "    of which analysis (analysed_row)")
    for name in ("add_new", "add", "add_version", "replace_labels"):
        wrap(repository, name, f"repository.{name}", optional=True)
    return stages


def service_batch(
    target: Target, creates: list[RunbookCreate], variant: str
) -> tuple[Batch, Stages]:
    """One unit of work: ``import_runbooks`` of the batch ("import", the bulk API) or one
    ``create_runbook`` call per runbook ("create", as POST /runbooks does); its commit drains
    the outbox (embedding)."""
    with ingest_stages(target).active() as stages:
        t0 = time.perf_counter_ns()
        with unit_of_work(target.factory) as session:
            if variant == "import":
                runbooks_service.import_runbooks(session, items=creates, actor="bench")
            else:
                for data in creates:
                    runbooks_service.create_runbook(session, data=data, actor="bench")
        elapsed = time.perf_counter_ns() - t0
    seconds = {k: v / 1e9 for k, v in stages.totals.items()}
    return Batch(len(creates), elapsed / 1e9, seconds, variant), stages


def bulk_fill(target: Target, start: int, stop: int, *, progress: bool) -> float:
    """NOT the service path (labelled as such in the output): rows in the shape that
    ``create_runbook`` + the outbox drain write them (same content model, ``search_document``,
    ``analysed_row`` / full-text row, ``outbox_text``, embedder and vector table), inserted with
    executemany, no redaction. Used to reach 100k runbooks in minutes; the measured batches go
    through the service."""
    from faultmaven.kit.ids import new_id
    from faultmaven.runbooks.indexing import search_document
    from faultmaven.runbooks.models import RunbookLabelRow, RunbookRow, RunbookVersionRow
    from faultmaven.runbooks.schemas import RunbookContent

    runtime = target.runtime
    embedder = runtime.embedder()
    if target.keyword_cls is keyword_memory.MemoryKeywordIndex:

        def keyword_rows(documents: list[keyword_mod.SearchDocument]) -> tuple[Any, list[dict]]:
            return TermsRow, [keyword_memory.analysed_row(d) for d in documents]

    else:
        raise RuntimeError(f"bulk fill does not know the keyword index {target.keyword_cls}")
    if target.vector_cls not in (vectors_mod.EmbeddedVectorIndex, vectors_mod.PgVectorIndex):
        raise RuntimeError(f"bulk fill does not know the vector index {target.vector_cls}")
    label = repository.label_value
    now = utcnow()
    t_start = time.perf_counter()
    next_report = t_start + 15
    with unit_of_work(target.factory) as session:
        index = runtime.vector_index(session)
        if isinstance(index, vectors_mod.PgVectorIndex):  # HNSW once at the end: much faster
            index.ensure(session)
            session.execute(text("DROP INDEX IF EXISTS ix_runbook_embeddings_hnsw"))
    for first in range(start, stop, 1000):
        creates = _creates(first, min(first + 1000, stop))
        runbooks, versions, labels, documents = [], [], [], []
        for data in creates:
            content = RunbookContent.model_validate(
                data.model_dump(include=set(RunbookContent.model_fields))
            )
            doc_id = new_id("rb")
            stored = content.model_dump(mode="json")
            runbooks.append(
                {
                    "id": doc_id,
                    "title": content.title,
                    "severity": content.severity.value,
                    "status": data.status.value,
                    "version": 1,
                    "content": stored,
                    "services": list(data.services),
                    "tags": list(data.tags),
                    "source_case_ids": [],
                    "author": "bench",
                    "owner": data.owner or "bench",
                    "review_by": data.review_by,
                    "generated_by": "manual",
                    "redaction": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            versions.append(
                {
                    "runbook_id": doc_id,
                    "version": 1,
                    "title": content.title,
                    "content": stored,
                    "author": "bench",
                    "change_note": "created",
                    "generated_by": "manual",
                    "created_at": now,
                }
            )
            labels.extend(
                {"runbook_id": doc_id, "kind": kind, "value": value}
                for kind, value in {
                    *(("service", label(s)) for s in data.services),
                    *(("tag", label(t)) for t in data.tags),
                }
                if value
            )
            documents.append(
                search_document(
                    doc_id,
                    content,
                    status=data.status.value,
                    services=data.services,
                    tags=data.tags,
                )
            )
        vectors = embedder.embed([outbox_text(d) for d in documents])
        keyword_table, keyword_values = keyword_rows(documents)
        with unit_of_work(target.factory) as session:
            session.execute(insert(RunbookRow), runbooks)
            session.execute(insert(RunbookVersionRow), versions)
            session.execute(insert(RunbookLabelRow), labels)
            session.execute(insert(keyword_table), keyword_values)
            items = [(d.doc_id, vectors[i]) for i, d in enumerate(documents)]
            if isinstance(index, vectors_mod.EmbeddedVectorIndex):
                session.execute(
                    insert(VectorRow),
                    [
                        {"runbook_id": i, "model": embedder.name, "vector": v.tobytes()}
                        for i, v in items
                    ],
                )
            else:
                session.execute(
                    insert(index._table), [{"runbook_id": i, "embedding": v} for i, v in items]
                )
            search_service._store_identity(session, runtime.identity(session))
        if progress and time.perf_counter() > next_report:
            done = first + len(creates) - start
            print(
                f"    bulk fill {done:>7,}/{stop - start:,}  "
                f"{done / (time.perf_counter() - t_start):6.0f}/s  rss {rss_mb():.0f} MB  "
                f"load {loadavg()}",
                flush=True,
            )
            next_report = time.perf_counter() + 15
    return time.perf_counter() - t_start


def build_hnsw(target: Target) -> float:
    t0 = time.perf_counter()
    with unit_of_work(target.factory) as session:
        session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        target.runtime.vector_index(session).ensure(session)
    return time.perf_counter() - t0


def ingest(target: Target, args: argparse.Namespace) -> Ingest:
    """Fill to ``size - tail`` (bulk, not the service path), then ``tail`` runbooks through
    ``create_runbook`` in batches of ``--batch``: the measured ingest rate at this size."""
    runtime = target.runtime
    embedder = runtime.embedder()  # a running server has loaded it already
    embedder.embed(["warm up"])
    size, batch = target.size, args.batch
    tail = size if args.real_fill or size <= args.tail else args.tail
    fill_to = size - tail
    warnings = _WarningCounter()
    logging.getLogger("faultmaven.search").addHandler(warnings)
    fill_seconds = index_seconds = parse_seconds = 0.0
    batches: list[Batch] = []
    labels: list[str] = []
    missing: list[str] = []
    try:
        if fill_to:
            fill_seconds = bulk_fill(target, 0, fill_to, progress=True)
            print(
                f"    bulk fill (not the service path) of {fill_to:,} runbooks: "
                f"{fill_seconds:.0f} s ({fill_to / fill_seconds:,.0f}/s)",
                flush=True,
            )
        if target.vector_cls is vectors_mod.PgVectorIndex and fill_to:
            index_seconds = build_hnsw(target)
            print(
                f"    HNSW index built over {fill_to:,} vectors in {index_seconds:.0f} s",
                flush=True,
            )
        next_report = time.perf_counter() + 15
        for first in range(fill_to, size, batch):
            t0 = time.perf_counter()
            creates = _creates(first, min(first + batch, size))
            parse_seconds += time.perf_counter() - t0
            variant = ("import", "create")[(first - fill_to) // batch % 2]  # interleaved
            measured, stages = service_batch(target, creates, variant)
            batches.append(measured)
            labels, missing = stages.labels, stages.missing
            if time.perf_counter() > next_report:
                done = first + len(creates)
                print(
                    f"    service path {done:>7,}/{size:,}  "
                    f"{measured.docs / measured.seconds:6.0f}/s (last batch)  "
                    f"rss {rss_mb():.0f} MB  load {loadavg()}",
                    flush=True,
                )
                next_report = time.perf_counter() + 15
        with unit_of_work(target.factory) as session:
            pending = search_service.pending_count(session)
        if pending:
            raise RuntimeError(f"{pending} runbooks left in the search outbox (drain failed)")
        if target.backend == "pgvector":
            # what autovacuum does within a minute or so of a bulk load; without it the planner
            # may pick plans for empty tables. (SQLite has no such thing and faultmaven never
            # runs ANALYZE there, so the embedded backend is measured without statistics.)
            t0 = time.perf_counter()
            with target.engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
            print(f"    ANALYZE (PostgreSQL): {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        logging.getLogger("faultmaven.search").removeHandler(warnings)
    with unit_of_work(target.factory) as session:
        vectors = (
            session.scalar(select(func.count()).select_from(VectorRow))
            if target.vector_cls is vectors_mod.EmbeddedVectorIndex
            else session.scalar(text("SELECT count(*) FROM runbook_embeddings"))
        )
        keyword_rows = session.scalar(select(func.count()).select_from(TermsRow))
    if vectors != size or keyword_rows != size:
        raise RuntimeError(f"{vectors} vectors, {keyword_rows} keyword rows for {size} runbooks")
    return Ingest(
        size,
        "bulk (not the service path)" if fill_to else "none",
        fill_to,
        fill_seconds,
        batches,
        parse_seconds,
        warnings.count,
        index_seconds,
        database_size_mb(target),
        labels,
        missing,
    )


# ---- baseline: brute force in memory -----------------------------------------------------------

_WORD = re.compile(r"\w+")
RRF_K = 60.0
CANDIDATES = search_service.CANDIDATES


def full_text(document: keyword_mod.SearchDocument) -> str:
    """Title, symptoms and body: what the keyword index holds (the baseline's BM25 text)."""
    return "\n".join(p for p in (document.title, document.symptoms, document.body) if p)


def outbox_text(document: keyword_mod.SearchDocument) -> str:
    """The text ``index_document`` queues for the embedder (title + the first characters)."""
    return search_service.embedding_text(search_service.document_text(document))


def query_text(query: str) -> str:
    """What the service embeds of a query."""
    return search_service.embedding_text(query)


def read_corpus(target: Target) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """(ids, full texts, the texts the embedder saw, active mask), rebuilt from the stored
    runbook rows by ``search_document`` (what the service indexes: the embedded keyword index
    keeps stems only, no text)."""
    from faultmaven.runbooks.indexing import search_document
    from faultmaven.runbooks.models import RunbookRow
    from faultmaven.runbooks.schemas import RunbookContent

    active_statuses = set(runbooks_service.ACTIVE_STATUSES)
    ids, texts, embedded, active = [], [], [], []
    with unit_of_work(target.factory) as session:
        rows = session.execute(
            select(
                RunbookRow.id,
                RunbookRow.status,
                RunbookRow.services,
                RunbookRow.tags,
                RunbookRow.content,
            ).order_by(RunbookRow.id)
        )
        for row in rows:
            document = search_document(
                row.id,
                RunbookContent.model_validate(row.content),
                status=row.status,
                services=row.services,
                tags=row.tags,
            )
            ids.append(row.id)
            texts.append(full_text(document))
            embedded.append(outbox_text(document))
            active.append(row.status in active_statuses)
    return ids, texts, embedded, np.array(active, dtype=bool)


class BruteForce:
    """numpy cosine over the full matrix + a vectorised BM25, fused by reciprocal rank."""

    def __init__(
        self,
        ids: list[str],
        texts: list[str],
        embedded: list[str],
        active: np.ndarray,
        embedder: Any,
    ) -> None:
        self.ids, self.active, self.embedder = ids, active, embedder
        t0 = time.perf_counter()
        self.matrix = np.concatenate(
            [embedder.embed(embedded[i : i + 256]) for i in range(0, len(embedded), 256)]
        )
        t1 = time.perf_counter()
        self._build_bm25(texts)
        t2 = time.perf_counter()
        self.embed_seconds, self.index_seconds = t1 - t0, t2 - t1

    def _build_bm25(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        docs_parts, terms_parts, tfs_parts = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for start in range(0, len(texts), 2000):
            doc_col: list[int] = []
            term_col: list[int] = []
            for doc in range(start, min(start + 2000, len(texts))):
                tokens = _WORD.findall(texts[doc].lower())
                lengths[doc] = len(tokens)
                term_col.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
                doc_col.extend([doc] * len(tokens))
            keys = (np.asarray(doc_col, np.int64) << 32) | np.asarray(term_col, np.int64)
            unique, counts = np.unique(keys, return_counts=True)
            docs_parts.append((unique >> 32).astype(np.int32))
            terms_parts.append((unique & 0xFFFFFFFF).astype(np.int32))
            tfs_parts.append(counts.astype(np.float32))
        docs, terms, tfs = (np.concatenate(p) for p in (docs_parts, terms_parts, tfs_parts))
        n = len(texts)
        df = np.bincount(terms, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        weights = idf[terms] * tfs * (k1 + 1) / (tfs + norm[docs])
        order = np.argsort(terms, kind="stable")  # column-major postings: term -> (docs, w)
        self.post_docs, self.post_weights = docs[order], weights[order].astype(np.float32)
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(vocab)))])
        self.vocab = vocab

    def _top(
        self, scores: np.ndarray, keep: np.ndarray, n: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        candidates = np.flatnonzero(keep)
        if len(candidates) > n:
            part = np.argpartition(-scores[candidates], n - 1)[:n]
            candidates = candidates[part]
        candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(i), float(scores[i])) for i in candidates]

    def bm25_scores(self, query: str) -> np.ndarray:
        term_ids = [
            self.vocab[t] for t in dict.fromkeys(_WORD.findall(query.lower())) if t in self.vocab
        ]
        if not term_ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        spans = [(self.indptr[t], self.indptr[t + 1]) for t in term_ids]
        return np.bincount(
            np.concatenate([self.post_docs[a:b] for a, b in spans]),
            weights=np.concatenate([self.post_weights[a:b] for a, b in spans]),
            minlength=len(self.ids),
        )

    def search(self, query: str, limit: int = 10) -> list[str]:
        vector = self.embedder.embed([query_text(query)])[0]
        similarity = self.matrix @ vector
        vector_top = self._top(similarity, self.active)
        bm25 = self.bm25_scores(query)
        keyword_top = self._top(bm25, self.active & (bm25 > 0))
        fused: dict[int, float] = {}
        for ranking in (keyword_top, vector_top):
            for rank, (doc, _score) in enumerate(ranking, start=1):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank)
        in_keyword = {doc for doc, _ in keyword_top}
        ordered = sorted(fused.items(), key=lambda item: -item[1])
        return [
            self.ids[doc]
            for doc, _ in ordered
            if doc in in_keyword or similarity[doc] >= search_service.MIN_SEMANTIC_ONLY_SIMILARITY
        ][:limit]


# ---- queries -----------------------------------------------------------------------------------


def fm_search(target: Target, query: str, mode: str = "hybrid") -> list[str]:
    """One search request: its own unit of work, like the API's session dependency."""
    with unit_of_work(target.factory) as session:
        results = runbooks_service.search_runbooks(session, query=query, limit=10, mode=mode)
        return [item.runbook.id for item in results.items]


@dataclass
class Queries:
    cold_ms: float  # the first query of the process: loads the in-memory caches
    cold_parts: dict[str, float]  # ms of that query in each cache refresh
    stats: dict[str, Stats]
    times: dict[str, list[float]]
    overlap: float  # mean |faultmaven top 10 & baseline top 10| / 10
    empty: int  # hybrid queries with no result

    def ratio(self, name: str, attr: str, base: str = "baseline") -> float:
        return getattr(self.stats[name], attr) / getattr(self.stats[base], attr)

    def median_paired_ratio(self, name: str, base: str = "baseline") -> float:
        pairs = zip(self.times[name], self.times[base], strict=True)
        return statistics.median(a / b for a, b in pairs)


def cold_query(target: Target, query: str) -> tuple[float, dict[str, float]]:
    """The first hybrid query of a process (caches dropped first, as after a restart): the
    embedded backend loads every keyword posting and the whole vector matrix here."""
    clear_runtime_caches(target.runtime)
    gc.collect()
    stages = Stages()
    if target.keyword_cls is keyword_memory.MemoryKeywordIndex:
        stages.wrap(target.keyword_cls, "_fresh", "keyword postings load (_fresh)")
    if target.vector_cls is vectors_mod.EmbeddedVectorIndex:
        stages.wrap(target.vector_cls, "_fresh", "vector matrix load (_fresh)")
    with stages.active():
        start = time.perf_counter_ns()
        fm_search(target, query)
        cold_ms = _ms(time.perf_counter_ns() - start)
    return cold_ms, {label: _ms(ns) for label, ns in stages.totals.items()}


def measure_queries(
    target: Target, base: BruteForce, queries: list[str], warmup: list[str]
) -> Queries:
    cold_ms, cold_parts = cold_query(target, warmup[0])
    for query in warmup:
        fm_search(target, query)
        fm_search(target, query, "keyword")
        base.search(query)
    subjects: list[tuple[str, Callable[[str], list[str]]]] = [
        ("hybrid", lambda q: fm_search(target, q)),
        ("keyword", lambda q: fm_search(target, q, "keyword")),
        ("baseline", base.search),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in subjects}
    overlaps, empty = [], 0
    for i, query in enumerate(queries):
        results = {}
        for name, run in subjects[i % 3 :] + subjects[: i % 3]:
            t0 = time.perf_counter_ns()
            results[name] = run(query)
            times[name].append(_ms(time.perf_counter_ns() - t0))
        empty += not results["hybrid"]
        if results["baseline"]:
            overlaps.append(len(set(results["hybrid"]) & set(results["baseline"])) / 10)
    stats = {name: Stats.of(values) for name, values in times.items()}
    return Queries(
        cold_ms,
        cold_parts,
        stats,
        times,
        statistics.fmean(overlaps) if overlaps else 0.0,
        empty,
    )


# ---- where the time goes -----------------------------------------------------------------------


def breakdown(target: Target, queries: list[str]) -> tuple[list[tuple[str, float]], list[str]]:
    """Mean ms per hybrid query of each stage (wrappers add ~1 us per call), and the stages
    this revision lacks. Indented = part of the row above; "(rest)" = the row above minus
    its measured parts."""
    memory = target.keyword_cls is keyword_memory.MemoryKeywordIndex
    embedded_vectors = target.vector_cls is vectors_mod.EmbeddedVectorIndex
    stages = Stages()
    wrap = stages.wrap
    wrap(runbooks_service, "search_runbooks", "search_runbooks")
    wrap(search_service, "search", "search")
    wrap(search_service, "pending_count", "pending")
    wrap(target.keyword_cls, "search", "keyword")
    if memory:
        wrap(target.keyword_cls, "_fresh", "keyword fresh")
        wrap(target.keyword_cls, "_ranked", "keyword ranked")
        wrap(target.keyword_cls, "accepting", "accepting")
    wrap(search_service, "mismatch_note", "identity")
    wrap(target.runtime.embedder(), "embed", "embed")
    wrap(target.vector_cls, "search", "vector")
    if embedded_vectors:
        wrap(target.vector_cls, "_fresh", "vector fresh")
        wrap(filters_mod.SearchFilter, "among", "among")
    wrap(search_service, "fuse", "fuse")
    wrap(target.keyword_cls, "explain", "explain")
    wrap(search_service, "_any_pending", "pending", optional=True)
    wrap(repository, "summaries", "rows")
    total = 0
    with stages.active():
        for query in queries:
            t0 = time.perf_counter_ns()
            fm_search(target, query)
            total += time.perf_counter_ns() - t0
    n = len(queries)
    t = {k: v / n / 1e6 for k, v in stages.totals.items()}
    g = t.get
    total_ms = total / n / 1e6
    keyword_name = (
        "MemoryKeywordIndex.search (BM25 in memory)"
        if memory
        else f"{target.keyword_cls.__name__}.search"
    )
    vector_name = (
        "EmbeddedVectorIndex.search (numpy)"
        if embedded_vectors
        else f"{target.vector_cls.__name__}.search"
        + (" (HNSW)" if target.vector_cls is vectors_mod.PgVectorIndex else "")
    )
    rows = [
        ("request total (unit_of_work + search_runbooks)", total_ms),
        ("  session open + commit + close (rest)", total_ms - g("search_runbooks", 0.0)),
        ("  search_runbooks", g("search_runbooks")),
        ("    search_service.search", g("search")),
        ("      outbox check: pending_count()", g("pending")),
        ("      keyword: " + keyword_name, g("keyword")),
    ]
    if memory:
        rows += [
            ("        cache refresh: _fresh() (stamp + new rows)", g("keyword fresh")),
            ("        BM25 over postings: _ranked()", g("keyword ranked")),
            (
                "        query stems, filter mask (rest)",
                g("keyword", 0.0) - g("keyword fresh", 0.0) - g("keyword ranked", 0.0),
            ),
            ("      filter checker for vectors: accepting()", g("accepting")),
        ]
    rows += [
        ("      index identity check: mismatch_note()", g("identity")),
        ("      embed the query", g("embed")),
        ("      vector: " + vector_name, g("vector")),
    ]
    if embedded_vectors:
        rows += [
            ("        cache refresh: _fresh() (stamp + new rows)", g("vector fresh")),
            ("        filter check of candidates: SearchFilter.among()", g("among")),
            (
                "        matmul + top-k (rest)",
                g("vector", 0.0) - g("vector fresh", 0.0) - g("among", 0.0),
            ),
        ]
    rows += [
        ("      fusion: fuse()", g("fuse")),
        ("      matched words of the page: explain()", g("explain")),
        (
            "      identity, hit objects (rest)",
            g("search", 0.0)
            - sum(
                g(k, 0.0)
                for k in (
                    "pending",
                    "keyword",
                    "accepting",
                    "identity",
                    "embed",
                    "vector",
                    "fuse",
                    "explain",
                )
            ),
        ),
        ("    load the page's summaries: repository.summaries()", g("rows")),
        (
            "    filter build, query_terms, pydantic results (rest)",
            g("search_runbooks", 0.0) - g("search", 0.0) - g("rows", 0.0),
        ),
    ]
    return [(label, ms) for label, ms in rows if ms is not None], stages.missing


def profile(target: Target, queries: list[str], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        fm_search(target, query)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    header = next(line for line in lines if "function calls" in line)
    return "\n".join(
        [
            f"    {header.strip()} ({len(queries)} queries)",
            *(
                "    "
                + line.replace(str(Path(sys.prefix)), "<venv>").replace(os.getcwd() + "/", "")
                for line in lines[start:]
            ),
        ]
    )


# ---- main --------------------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    size: int
    ingest: Ingest
    base_embed_s: float
    base_index_s: float
    queries: Queries
    rows: list[tuple[str, float]] = field(default_factory=list)

    @property
    def base_ingest_rate(self) -> float:
        return self.size / (self.base_embed_s + self.base_index_s)


def run_one(
    backend: str,
    size: int,
    args: argparse.Namespace,
    workdir: Path,
    all_queries: list[str],
    warmup: list[str],
) -> Run:
    print(f"\n== {backend}, {size:,} runbooks ==  (load {loadavg()})", flush=True)
    large = size > 20_000
    queries = all_queries[: args.queries_large if large else args.queries]
    detail = queries[: 30 if large else 100]
    with open_target(backend, size, workdir, args.postgres) as target:
        t0 = time.perf_counter()
        result = ingest(target, args)
        report_ingest(result)
        ids, texts, embedded, active = read_corpus(target)
        base = BruteForce(ids, texts, embedded, active, target.runtime.embedder())
        del texts, embedded
        print(
            f"  baseline build: embed {base.embed_seconds:.1f} s + BM25 {base.index_seconds:.1f} s"
            f" = {size / (base.embed_seconds + base.index_seconds):,.0f} runbooks/s; "
            f"rss {rss_mb():.0f} MB",
            flush=True,
        )
        _check_vectors(target, base)
        measured = measure_queries(target, base, queries, warmup)
        run = Run(backend, size, result, base.embed_seconds, base.index_seconds, measured)
        report_queries(run, len(queries))
        if not args.no_breakdown:
            run.rows, missing = breakdown(target, detail)
            print(
                f"  where the time of one hybrid query goes (mean ms over {len(detail)} "
                "queries, timing wrappers around the stages):"
            )
            request = run.rows[0][1]
            for label, ms in run.rows:
                print(f"    {label:<66} {ms:8.2f}  {100 * ms / request:5.1f}%")
            if missing:
                print(f"    (not in this revision, not timed: {', '.join(missing)})")
            print("  cProfile of hybrid queries, top functions by own time:")
            print(profile(target, detail[: 10 if large else 30], args.profile_top))
        print(f"  time for this size: {time.perf_counter() - t0:.0f} s", flush=True)
    del base
    gc.collect()
    return run


def _check_vectors(target: Target, base: BruteForce) -> None:
    """The baseline's matrix must be the very vectors faultmaven stored."""
    if target.vector_cls is not vectors_mod.EmbeddedVectorIndex:
        return
    sample = base.ids[:: max(1, len(base.ids) // 200)]
    with unit_of_work(target.factory) as session:
        rows = dict(
            session.execute(
                select(VectorRow.runbook_id, VectorRow.vector).where(
                    VectorRow.runbook_id.in_(sample)
                )
            ).all()
        )
    position = {doc_id: i for i, doc_id in enumerate(base.ids)}
    worst = max(
        float(np.abs(np.frombuffer(rows[d], np.float32) - base.matrix[position[d]]).max())
        for d in sample
    )
    if worst > 1e-5:
        raise RuntimeError(f"baseline vectors differ from the stored ones by {worst}")


def report_ingest(result: Ingest) -> None:
    for variant, how in (
        ("import", "import_runbooks per batch (bulk API)"),
        ("create", "create_runbook per runbook (POST /runbooks)"),
    ):
        chosen = [b for b in result.batches if b.variant == variant]
        docs = sum(b.docs for b in chosen)
        print(
            f"  ingest, service path, {how}: {docs:,} runbooks in units of "
            f"{chosen[0].docs if chosen else 0} after a {result.fill} fill of "
            f"{result.fill_docs:,}: {result.rate(variant):,.0f} runbooks/s including the outbox "
            f"drain; drain warnings {result.drain_warnings}; database {result.db_mb:,.0f} MB",
            flush=True,
        )
        shares = result.stage_share(variant)
        for name, share in shares.items():
            print(f"    {name:<52} {100 * share:5.1f}% of ingest time")
        top = sum(share for name, share in shares.items() if not name.startswith(" "))
        rest = "other: RunbookCreate -> row, pydantic, commit (rest)"
        print(f"    {rest:<52} {100 * (1 - top):5.1f}%")
    if result.missing_stages:
        print(f"    (not in this revision, not timed: {', '.join(result.missing_stages)})")


def report_queries(run: Run, count: int) -> None:
    q = run.queries
    parts = ", ".join(f"{label} {ms:.1f} ms" for label, ms in q.cold_parts.items())
    print(
        f"  queries: {count} timed after a warm-up; cold first query (process caches dropped, "
        f"as after a restart): {q.cold_ms:.1f} ms" + (f" ({parts})" if parts else "")
    )
    print(f"  {'subject':<34} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'p50 x':>7} {'p95 x':>7}")
    for name, label in (
        ("hybrid", "faultmaven hybrid"),
        ("keyword", "faultmaven keyword only"),
        ("baseline", "baseline: numpy + BM25 + RRF"),
    ):
        s = q.stats[name]
        print(
            f"  {label:<34} {s.p50:8.2f} {s.p95:8.2f} {s.mean:8.2f} "
            f"{q.ratio(name, 'p50'):7.2f} {q.ratio(name, 'p95'):7.2f}"
        )
    print(
        f"  ratio hybrid/baseline: p50 {q.ratio('hybrid', 'p50'):.2f}, p95 "
        f"{q.ratio('hybrid', 'p95'):.2f}, median of per-query ratios "
        f"{q.median_paired_ratio('hybrid'):.2f}; top-10 overlap with the baseline "
        f"{100 * q.overlap:.0f}%; queries without results {q.empty}"
    )
    print(
        f"  ingest: faultmaven {run.ingest.rate():,.0f}/s, baseline (embed all + BM25 build) "
        f"{run.base_ingest_rate:,.0f}/s, ratio {run.ingest.rate() / run.base_ingest_rate:.3f}",
        flush=True,
    )


def summary(runs: list[Run]) -> None:
    print("\n== summary (x = faultmaven / baseline of the same run) ==")
    print(
        "| backend | runbooks | ingest /s (bulk import) | ingest /s (one create each) "
        "| baseline ingest /s | x (bulk) | cold ms | hybrid p50 ms "
        "| hybrid p95 ms | baseline p50 ms | baseline p95 ms | p50 x | p95 x "
        "| keyword-only p50 ms | targets (embedded) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        q, s, b = run.queries, run.queries.stats["hybrid"], run.queries.stats["baseline"]
        verdict = ""
        if run.backend == "embedded":
            goal = TARGETS["p50_ms"].get(run.size)
            parts = []
            if goal:
                parts.append(f"p50 <= {goal:g} ms: {'met' if s.p50 <= goal else 'MISSED'}")
            ok = run.ingest.rate() >= TARGETS["ingest_per_s"]
            parts.append(f"ingest >= 500/s (bulk import): {'met' if ok else 'MISSED'}")
            verdict = "; ".join(parts)
        print(
            f"| {run.backend} | {run.size:,} | {run.ingest.rate():,.0f} | "
            f"{run.ingest.rate('create'):,.0f} | {run.base_ingest_rate:,.0f} | "
            f"{run.ingest.rate() / run.base_ingest_rate:.3f} | "
            f"{q.cold_ms:.0f} | {s.p50:.1f} | {s.p95:.1f} | {b.p50:.2f} | {b.p95:.2f} | "
            f"{q.ratio('hybrid', 'p50'):.1f} | {q.ratio('hybrid', 'p95'):.1f} | "
            f"{q.stats['keyword'].p50:.1f} | {verdict} |"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--full", action="store_true", help="--sizes 10000 100000")
    parser.add_argument("--backend", choices=("embedded", "pgvector", "both"), default="embedded")
    parser.add_argument("--queries", type=int, default=200, help="timed queries (<= 20k docs)")
    parser.add_argument("--queries-large", type=int, default=60, help="timed queries (> 20k)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500, help="runbooks per unit of work")
    parser.add_argument(
        "--tail",
        type=int,
        default=2000,
        help="runbooks ingested through the service path (measured) after a bulk fill of the "
        "rest; sizes <= --tail go through the service path entirely",
    )
    parser.add_argument(
        "--real-fill",
        action="store_true",
        help="ingest every runbook through the service path (slow at 100k)",
    )
    parser.add_argument("--quick", action="store_true", help="2k runbooks, 60 queries, ~1 min")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument(
        "--no-experiments", action="store_true", help="ignored (the experiments were removed)"
    )
    parser.add_argument("--profile-top", type=int, default=14)
    parser.add_argument("--workdir", type=Path, default=None, help="for the SQLite files")
    args = parser.parse_args(argv)
    if args.full:
        args.sizes = [10_000, 100_000]
    if args.quick:
        args.sizes, args.queries, args.warmup, args.tail = [2_000], 60, 10, 1000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = ["embedded", "pgvector"] if args.backend == "both" else [args.backend]
    import faultmaven

    print(
        f"python {platform.python_version()}, nproc {os.cpu_count()}, numpy {np.__version__}, "
        f"sqlite {__import__('sqlite3').sqlite_version}, load {loadavg()}"
    )
    print(f"faultmaven from {Path(faultmaven.__file__).parent}")
    print(
        f"sizes {args.sizes}, backends {backends}, {args.queries} queries "
        f"({args.queries_large} above 20k) + {args.warmup} warm-up"
    )
    generated = generate_queries(max(args.queries, args.queries_large) + args.warmup)
    warmup = [q for _kind, q in generated[: args.warmup]]
    queries = [q for _kind, q in generated[args.warmup :]]
    print("sample queries: " + "; ".join(queries[:6]))
    started = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory(prefix="fm-scale-", dir=args.workdir) as tmp:
        for backend in backends:
            for size in args.sizes:
                runs.append(run_one(backend, size, args, Path(tmp), queries, warmup))
    summary(runs)
    print(f"\ntotal {time.perf_counter() - started:.0f} s, load {loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
