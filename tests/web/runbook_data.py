"""Runbooks the web tests make through the REST API."""

from __future__ import annotations

from typing import Any


def redis_runbook(**overrides: Any) -> dict[str, Any]:
    """The seed's Redis OOM problem with two known causes, each with a check that tells it
    apart, fixes with commands, and a source case."""
    return {
        "title": "Redis pods OOMKilled in production",
        "summary": "Redis pods restart every few minutes; APIs degraded.",
        "severity": "critical",
        "services": ["redis"],
        "tags": ["kubernetes", "memory"],
        "owner": "sre-team",
        "symptoms": ["Pods restarting every 5-10 minutes", "K8s events: OOMKilled"],
        "causes": [
            {
                "checks": [
                    {
                        "description": "Check session size",
                        "command": "redis-cli DEBUG OBJECT session:abc123",
                        "output": "serialized length: 5242880",
                        "conclusion": "sessions of 5MB",
                    }
                ],
                "root_cause": {"cause": "Session objects grew from 100KB to 5MB"},
                "solution": {
                    "fixes": [
                        {
                            "title": "Increase Redis memory limit",
                            "commands": [
                                "kubectl patch statefulset redis -n production --patch-file m.yaml"
                            ],
                        }
                    ],
                    "validation": ["kubectl top pod redis-0 -n production"],
                    "rollback": ["kubectl rollout undo statefulset/redis -n production"],
                },
                "source_case_ids": ["case_0123456789ab"],
            },
            {
                "checks": [
                    {
                        "description": "Check key eviction",
                        "command": "redis-cli INFO stats | grep evicted_keys",
                        "output": "evicted_keys:0",
                        "conclusion": "no eviction policy",
                    }
                ],
                "root_cause": {"cause": "maxmemory-policy is noeviction"},
                "solution": {
                    "fixes": [
                        {
                            "title": "Set an eviction policy",
                            "commands": ["redis-cli CONFIG SET maxmemory-policy allkeys-lru"],
                        }
                    ]
                },
            },
        ],
        **overrides,
    }


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">raw link</a>',
    "![beacon](http://203.0.113.9/pixel.png)",
    '<iframe src="http://203.0.113.9/"></iframe>',
    "<style>body{background:url(http://203.0.113.9/bg)}</style>",
]
PAYLOAD = " ".join(XSS)


def xss_runbook() -> dict[str, Any]:
    """Every text field holds every payload."""
    line = PAYLOAD.replace("\n", " ")
    return {
        "title": f"XSS {line}",
        "summary": PAYLOAD,
        "severity": "high",
        "services": ["svc-a"],
        "tags": ["tag-a"],
        "owner": "owner-a",
        "symptoms": [PAYLOAD],
        "affected_systems": [line],
        "diagnosis": {
            "blast_radius": [{"check": PAYLOAD, "finding": PAYLOAD}],
            "hypotheses": [{"statement": PAYLOAD, "status": "validated"}],
        },
        "causes": [
            {
                "checks": [
                    {
                        "description": PAYLOAD,
                        "command": f"echo {line}",
                        "output": PAYLOAD,
                        "conclusion": PAYLOAD,
                    }
                ],
                "root_cause": {
                    "cause": PAYLOAD,
                    "evidence": [PAYLOAD],
                    "contributing_factors": [PAYLOAD],
                },
                "solution": {
                    "fixes": [{"title": f"Fix {line}", "steps": [PAYLOAD], "commands": [line]}],
                    "validation": [PAYLOAD],
                    "rollback": [PAYLOAD],
                },
            },
            {"root_cause": {"cause": f"Second {PAYLOAD}"}},
        ],
        "prevention": {"monitoring": [PAYLOAD], "automation": [PAYLOAD], "process": [PAYLOAD]},
    }
