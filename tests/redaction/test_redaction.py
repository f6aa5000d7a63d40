"""faultmaven.redaction: secrets and personal data become typed placeholders.

The fake secrets are assembled at run time ("ghp_" + ...) so that this file itself does not
look like it leaks credentials to secret scanners.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter

import pytest
from pydantic import ValidationError

from faultmaven.redaction import PERSONAL_KINDS, RedactionPolicy, RedactionReport, Redactor

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z_]+\]")

# ----------------------------------------------------------------------------------------------
# Fake secrets
# ----------------------------------------------------------------------------------------------
AWS_KEY_ID = "AKIA" + "QX7RZ2M4B6N8P3T5"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Q3n9Zt2LkA"
GITHUB_TOKEN = "ghp_" + "R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s0k"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
SLACK_TOKEN = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE_KEY = "sk_" + "live_" + "51HqT2bK8mR4nD0mStR1pEk3yx9Zq7LmN4pRt6VwYb2Cd"
GITLAB_TOKEN = "glpat-" + "xY9zAb3Cd5Ef7Gh1Ij2K"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
    "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
]
PEM = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n-----END PRIVATE KEY-----"
H64 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
H40 = "3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def redact(text: str, policy: RedactionPolicy | None = None) -> tuple[str, Counter[str]]:
    return (Redactor(policy) if policy else Redactor()).redact(text)


def assert_idempotent(redactor: Redactor, out: str) -> None:
    again, counts = redactor.redact(out)
    assert again == out
    assert counts == Counter()


# ----------------------------------------------------------------------------------------------
# Secrets in realistic contexts: (text, values that must vanish, expected counts)
# ----------------------------------------------------------------------------------------------
SECRET_CASES = [
    pytest.param(
        "DB_HOST=db.internal\nDB_PASSWORD=hunter2\nLOG_LEVEL=debug\n",
        ["hunter2"],
        {"password": 1},
        id="env-file",
    ),
    pytest.param(
        f"export AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nexport AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
        "export AWS_DEFAULT_REGION=eu-west-1",
        [AWS_KEY_ID, AWS_SECRET],
        {"aws_access_key": 1, "aws_secret_key": 1},
        id="aws-export",
    ),
    pytest.param(
        f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n",
        [AWS_KEY_ID, AWS_SECRET],
        {"aws_access_key": 1, "aws_secret_key": 1},
        id="aws-credentials-file",
    ),
    pytest.param(
        "mysqldump -u root --password=S3cr3tP@ss --single-transaction app > dump.sql",
        ["S3cr3tP@ss"],
        {"password": 1},
        id="flag-equals",
    ),
    pytest.param(
        "helm repo add internal https://charts.example.com --username ci --password HelmPw123",
        ["HelmPw123"],
        {"password": 1},
        id="flag-space",
    ),
    pytest.param(
        "argocd login argocd.example.com --username admin --password 'Argo Pass 1' --grpc-web",
        ["Argo Pass 1", "Argo"],
        {"password": 1},
        id="flag-space-quoted",
    ),
    pytest.param(
        "mysql -h db.internal -u root -pS3cr3tMy app_db -e 'SHOW PROCESSLIST'",
        ["S3cr3tMy"],
        {"password": 1},
        id="mysql-dash-p",
    ),
    pytest.param(
        "psql 'postgresql://app:Pa55w0rd!@db.internal:5432/app?sslmode=require' -c 'select 1'",
        ["Pa55w0rd!"],
        {"password": 1},
        id="postgres-url",
    ),
    pytest.param(
        'mongosh "mongodb+srv://admin:M0ng0Pass@cluster0.ab1cd.mongodb.net/app?retryWrites=true"',
        ["M0ng0Pass"],
        {"password": 1},
        id="mongodb-url",
    ),
    pytest.param(
        "REDIS_URL=redis://:r3d1sPass@redis.internal:6379/0",
        ["r3d1sPass"],
        {"password": 1},
        id="redis-url",
    ),
    pytest.param(
        "spring.datasource.url=jdbc:postgresql://db.internal:5432/app?user=app&password=JdbcS3c"
        "&ssl=true\nspring.datasource.url=jdbc:mysql://app:MyJdbcPw@db.internal:3306/app",
        ["JdbcS3c", "MyJdbcPw"],
        {"password": 2},
        id="jdbc-urls",
    ),
    pytest.param(
        "jdbc:oracle:thin:scott/tiger123@db.internal:1521/ORCL",
        ["tiger123"],
        {"password": 1},
        id="jdbc-oracle",
    ),
    pytest.param(
        f'curl -sS -H "Authorization: Bearer {JWT}" https://api.example.com/v1/me',
        [JWT, JWT.split(".")[2]],
        {"jwt": 1},
        id="curl-bearer-jwt",
    ),
    pytest.param(
        'curl -H "Authorization: Bearer abc123def456ghi789jkl" -H "X-Api-Key: k3y-Abc123xyz" '
        "https://api.example.com/v1/orders",
        ["abc123def456ghi789jkl", "k3y-Abc123xyz"],
        {"bearer_token": 1, "api_key": 1},
        id="curl-bearer-and-api-key-header",
    ),
    pytest.param(
        "curl -u deploy:CurlS3cret https://registry.example.com/v2/_catalog",
        ["CurlS3cret"],
        {"password": 1},
        id="curl-user",
    ),
    pytest.param(
        f"git clone https://x-access-token:{GITHUB_TOKEN}@github.com/example/api.git\n"
        f"GITHUB_TOKEN={GITHUB_TOKEN}\nGH_PAT={GITHUB_PAT}",
        [GITHUB_TOKEN, GITHUB_PAT],
        {"github_token": 3},
        id="github-tokens",
    ),
    pytest.param(
        f"SLACK_BOT_TOKEN={SLACK_TOKEN}\ncurl -X POST -H 'Authorization: Bearer {SLACK_TOKEN}' "
        "https://slack.com/api/chat.postMessage",
        [SLACK_TOKEN],
        {"slack_token": 2},
        id="slack-token",
    ),
    pytest.param(
        f"stripe.api_key = '{STRIPE_KEY}'\ncurl https://api.stripe.com/v1/charges -u {STRIPE_KEY}:",
        [STRIPE_KEY, STRIPE_KEY[24:]],  # the whole key, not only detect-secrets' 24 chars
        {"stripe_key": 2},
        id="stripe-key",
    ),
    pytest.param(
        f'curl --header "PRIVATE-TOKEN: {GITLAB_TOKEN}" https://gitlab.example.com/api/v4/projects',
        [GITLAB_TOKEN],
        {"gitlab_token": 1},
        id="gitlab-token",
    ),
    pytest.param(
        "kubectl create secret generic db --from-literal=username=app "
        "--from-literal=password=K8sLit3ral",
        ["K8sLit3ral"],
        {"password": 1},
        id="kubectl-from-literal",
    ),
    pytest.param(
        "helm upgrade api ./chart --set db.password=H3lmSet --set-string auth.apiKey=ak123456xyz",
        ["H3lmSet", "ak123456xyz"],
        {"password": 1, "api_key": 1},
        id="helm-set",
    ),
    pytest.param(
        '{"user": "app", "password": "J50nP4ss", "api_key": "ak_9f8e7d6c5b4a", '
        '"client_secret": "cs-123-abc"}',
        ["J50nP4ss", "ak_9f8e7d6c5b4a", "cs-123-abc"],
        {"password": 1, "api_key": 1, "secret": 1},
        id="json-log",
    ),
    pytest.param(
        "database:\n  host: db.internal\n  password: YamlP4ss  # rotated monthly\n",
        ["YamlP4ss"],
        {"password": 1},
        id="yaml-config",
    ),
    pytest.param(
        "level=info msg=login user=app password=L0gfmtPw host=db\n"
        "config: {User:app Password:G0Struct Host:db}",
        ["L0gfmtPw", "G0Struct"],
        {"password": 2},
        id="logfmt-and-go-struct",
    ),
    pytest.param(
        "        - name: DB_PASSWORD\n          value: EnvP4ss\n        - name: LOG_LEVEL\n"
        "          value: debug",
        ["EnvP4ss"],
        {"password": 1},
        id="kubernetes-env-yaml",
    ),
    pytest.param(
        '"env": [{"name": "API_TOKEN", "value": "tok-9f8e7d6c"}, {"name": "X", "value": "1"}]',
        ["tok-9f8e7d6c"],
        {"secret": 1},
        id="kubernetes-env-json",
    ),
    pytest.param(
        "ALTER USER app WITH PASSWORD 'SqlP4ss';\nCREATE USER 'ro'@'%' IDENTIFIED BY 'MyP4ss';",
        ["SqlP4ss", "MyP4ss"],
        {"password": 2},
        id="sql",
    ),
    pytest.param(
        "requirepass R3d1sConf\nredis-cli -h redis.internal -a R3d1sCli PING\n"
        "127.0.0.1:6379> AUTH default R3d1sAuth\nOK",
        ["R3d1sConf", "R3d1sCli", "R3d1sAuth"],
        {"password": 3},
        id="redis",
    ),
    pytest.param(
        "docker login -u ci-bot -p D0ck3rPw registry.example.com",
        ["D0ck3rPw"],
        {"password": 1},
        id="docker-login",
    ),
    pytest.param(
        "openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.p12 -passout pass:P12Pass\n"
        "keytool -importkeystore -srckeystore a.p12 -srcstorepass St0rePw -deststorepass D3stPw",
        ["P12Pass", "St0rePw", "D3stPw"],
        {"password": 3},
        id="openssl-keytool",
    ),
    pytest.param(
        "machine api.example.com login deploy password N3trcPw\n"
        "db.internal:5432:app:app:PgP4ssFile",
        ["N3trcPw", "PgP4ssFile"],
        {"password": 2},
        id="netrc-pgpass",
    ),
    pytest.param(
        "sshpass -p 'SshP4ss' ssh ubuntu@bastion uptime",
        ["SshP4ss"],
        {"password": 1},
        id="sshpass",
    ),
    pytest.param(
        "Cookie: session=9f8e7d6c5b4a3f2e1d0c; csrftoken=abc123",
        ["9f8e7d6c5b4a3f2e1d0c", "abc123"],
        {"cookie": 1},
        id="cookie-header",
    ),
    pytest.param(
        "<password>XmlP4ss</password>",
        ["XmlP4ss"],
        {"password": 1},
        id="xml",
    ),
    pytest.param(
        "SESSION_SIGNER=Zq3vT9bX2mK7pL4nR8sW1yC6dF0gH5jAeU",
        ["Zq3vT9bX2mK7pL4nR8sW1yC6dF0gH5jAeU"],
        {"secret": 1},
        id="generic-high-entropy-assignment",
    ),
    pytest.param(
        "curl 'https://api.example.com/v1/export?access_token=QtK3n9x2Lm&format=csv'",
        ["QtK3n9x2Lm"],
        {"secret": 1},
        id="token-in-query-string",
    ),
    pytest.param(
        "curl -X POST https://hooks.slack.com/services/" + "T0123ABCD/B0456EFGH/xYz123AbC456dEf789",
        ["xYz123AbC456dEf789", "T0123ABCD/B0456EFGH"],
        {"slack_webhook": 1},
        id="slack-webhook",
    ),
    pytest.param(
        "//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        ["npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
        {"npm_token": 1},
        id="npmrc",
    ),
    pytest.param(
        '{"auths": {"registry.example.com": {"auth": "Y2ktYm90OkQwY2szclB3"}}}',
        ["Y2ktYm90OkQwY2szclB3"],
        {"basic_auth": 1},
        id="docker-config-json",
    ),
]


@pytest.mark.parametrize(("text", "secrets", "counts"), SECRET_CASES)
def test_secret_is_replaced(
    redactor: Redactor, text: str, secrets: list[str], counts: dict[str, int]
) -> None:
    out, found = redactor.redact(text)
    for secret in secrets:
        assert secret not in out
    assert found == Counter(counts)
    for kind, count in counts.items():
        assert out.count(f"[REDACTED:{kind}]") == count
    assert_idempotent(redactor, out)


def test_connection_string_keeps_user_host_port_and_database(redactor: Redactor) -> None:
    out, counts = redactor.redact("DATABASE_URL=postgresql://app:Pa55w0rd@db:5432/app")
    assert out == "DATABASE_URL=postgresql://app:[REDACTED:password]@db:5432/app"
    assert counts == Counter(password=1)
    # a raw "@" in the password: the last "@" before the host wins
    out, _ = redactor.redact("postgres://app:p@ss@db.internal:5432/app")
    assert out == "postgres://app:[REDACTED:password]@db.internal:5432/app"


def test_authorization_header_keeps_the_scheme(redactor: Redactor) -> None:
    out, counts = redactor.redact("Authorization: Basic dXNlcjpwYXNzd29yZA==")
    assert out == "Authorization: Basic [REDACTED:basic_auth]"
    assert counts == Counter(basic_auth=1)


def test_private_key_block_is_replaced_whole(redactor: Redactor) -> None:
    text = f"$ cat tls.key\n{PEM}\n$ openssl rsa -in tls.key -check\nRSA key ok"
    out, counts = redactor.redact(text)
    assert out == (
        "$ cat tls.key\n[REDACTED:private_key]\n$ openssl rsa -in tls.key -check\nRSA key ok"
    )
    assert counts == Counter(private_key=1)


@pytest.mark.parametrize(
    "kind", ["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
)
def test_private_key_flavours(redactor: Redactor, kind: str) -> None:
    block = f"-----BEGIN {kind}-----\n" + "\n".join(PEM_BODY) + f"\n-----END {kind}-----"
    out, counts = redactor.redact(f"key:\n{block}\ndone")
    assert out == "key:\n[REDACTED:private_key]\ndone"
    assert counts == Counter(private_key=1)


def test_private_key_in_json_with_escaped_newlines(redactor: Redactor) -> None:
    text = json.dumps({"type": "service_account", "private_key": PEM + "\n"})
    out, counts = redactor.redact(text)
    assert all(line not in out for line in PEM_BODY)
    assert "BEGIN" not in out
    assert counts == Counter(private_key=1)


def test_truncated_private_key_block(redactor: Redactor) -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n(output truncated)"
    out, counts = redactor.redact(text)
    assert out == "[REDACTED:private_key](output truncated)"
    assert counts == Counter(private_key=1)


def test_certificates_are_not_private_keys(redactor: Redactor) -> None:
    cert = "-----BEGIN CERTIFICATE-----\n" + "\n".join(PEM_BODY) + "\n-----END CERTIFICATE-----"
    assert redactor.redact(cert) == (cert, Counter())


def test_kubernetes_secret_yaml(redactor: Redactor) -> None:
    text = (
        "apiVersion: v1\n"
        "data:\n"
        "  password: aHVudGVyMg==\n"
        "  username: YXBw\n"
        "  tls.key: |\n"
        "    LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcw\n"
        "    QktjdwpnZ1NqQWdFQUFvSUJBUUM3VkpUVXQ5VXM4Y0tq\n"
        "kind: Secret\n"
        "metadata:\n"
        "  name: db-credentials\n"
        "type: Opaque\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "data:\n"
        "  LOG_LEVEL: debug\n"
    )
    out, counts = redactor.redact(text)
    assert counts == Counter(kubernetes_secret=3)
    for value in ("aHVudGVyMg==", "YXBw", "LS0tLS1CRUdJ", "QktjdwpnZ1NqQWdF"):
        assert value not in out
    assert "  tls.key: |\n    [REDACTED:kubernetes_secret]\nkind: Secret" in out
    assert "name: db-credentials" in out
    assert "LOG_LEVEL: debug" in out  # the ConfigMap document is untouched
    assert_idempotent(redactor, out)


def test_kubernetes_secret_json(redactor: Redactor) -> None:
    text = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "data": {"password": "aHVudGVyMg==", "username": "YXBw"},
            "metadata": {"name": "db"},
        }
    )
    out, counts = redactor.redact(text)
    assert counts == Counter(kubernetes_secret=2)
    assert json.loads(out)["data"] == {
        "password": "[REDACTED:kubernetes_secret]",
        "username": "[REDACTED:kubernetes_secret]",
    }
    assert json.loads(out)["metadata"] == {"name": "db"}


# ----------------------------------------------------------------------------------------------
# Things that must NOT be redacted
# ----------------------------------------------------------------------------------------------
BENIGN = f"""\
kubectl get pods -n production
NAME                          READY   STATUS             RESTARTS      AGE
api-7d9f8b6c5-x2k4p           0/1     CrashLoopBackOff   12 (3m ago)   45m
redis-0                       1/1     Running            0             3d
kubectl logs api-7d9f8b6c5-x2k4p -n production --previous --tail=200
kubectl top pod api-7d9f8b6c5-x2k4p -n production
api-7d9f8b6c5-x2k4p   250m   2.1Gi / 2Gi
kubectl describe secret db-credentials -n production
Name:         db-credentials
Namespace:    production
Type:  Opaque

Data
====
password:  16 bytes
username:  3 bytes
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Limits:
      memory:  2Gi
    Image:          registry.example.com/api@sha256:{H64}
    Image ID:       docker-pullable://nginx@sha256:{H64}
    Container ID:   containerd://{H64}
    Environment:
      DB_PASSWORD:  <set to the key 'password' in secret 'db-credentials'>  Optional: false
      SPRING_PROFILES_ACTIVE:  prod
    Volumes:
      tls:
        Type:        Secret (a volume populated by a Secret)
        SecretName:  api-tls
        Optional:    false
Events:
  Warning  BackOff  3m (x12 over 45m)  kubelet  Back-off restarting failed container
Error from server (NotFound): secrets "db-credentials" not found
MountVolume.SetUp failed for volume "tls" : secret "api-tls" not found
The connection to the server localhost:8080 was refused - did you specify the right host or port?
Unable to connect to the server: x509: certificate signed by unknown authority
kubectl auth can-i get secrets --as=system:serviceaccount:production:api
kubectl create secret generic db-credentials --from-env-file=.env.prod
kubectl get secret db-credentials -o jsonpath='{{.data.password}}' | base64 -d
helm upgrade --install api ./chart -n production --set image.tag=2.13.0 --set resources.memory=2Gi
REVISION  UPDATED                   STATUS     CHART       APP VERSION  DESCRIPTION
3         Mon Jan 15 10:23:45 2024  deployed   api-2.13.0  2.13.0       Upgrade complete
psql -h db.internal -U app -d app --password
psql -h db.internal -U app -d app -W
PGPASSWORD=$DB_PASSWORD psql -h db.internal -U app
FATAL:  password authentication failed for user "app"
psql: error: connection to server at "localhost" (::1), port 5432 failed: Connection refused
	Is the server running on host "localhost" (127.0.0.1) and accepting
	TCP/IP connections on port 5432?
SELECT pid, usename, state, query_start FROM pg_stat_activity WHERE state = 'idle in transaction';
ALTER SYSTEM SET max_connections = 200;
ERROR:  column "password_hash" does not exist
host    all    all    10.0.0.0/8    scram-sha-256
listen_addresses = '*'
mysql -h db.internal -u app -p app_db
redis-cli -h redis.internal -p 6379 DEBUG OBJECT session:abc123
Value at:0x7f3c2a0 refcount:1 encoding:raw serializedlength:5242880 lru:123 lru_seconds_idle:5
serialized length: 5242880
used_memory:2147483648
used_memory_human:2.00G
maxmemory_policy:noeviction
OOM command not allowed when used memory > 'maxmemory'.
openssl s_client -connect api.example.com:443 -servername api.example.com
depth=2 C = US, O = DigiCert Inc, CN = DigiCert Global Root G2
verify return:1
    Protocol  : TLSv1.3
    Cipher    : TLS_AES_256_GCM_SHA384
    Session-ID: 5F2B9C1E8B7D6A5F4E3D2C1B0A9F8E7D6C5B4A393F2A9C1E8B7D6A5F4E3D2C1B
    Verify return code: 0 (ok)
        Serial Number:
            04:00:00:00:00:01:15:4b
        Signature Algorithm: sha256WithRSAEncryption
        Not Before: Jan 15 00:00:00 2024 GMT
            Public Key Algorithm: rsaEncryption
                Public-Key: (2048 bit)
            X509v3 Subject Key Identifier:
                A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4
docker run -d -p 8080:80 -e LOG_LEVEL=debug --name web nginx:1.25.3
docker run -u 1000:1000 -v /data:/data busybox
docker login registry.example.com -u ci-bot --password-stdin
time="2024-01-15T10:23:45Z" level=error msg="failed to pull image" image="nginx:1.25.3"
2024-01-15T10:23:45.123Z ERROR [http-nio-8080-exec-3] c.e.api.OrderController - timeout 30000ms
java.lang.OutOfMemoryError: Java heap space
	at com.example.Cache.put(Cache.java:42)
Jan 15 10:23:45 worker-1 kernel: Memory cgroup out of memory: Killed process 4242 (java)
systemctl status getty@tty1.service user@1000.service
git show {H40}
3f2a9c1 Fix OOM in cache warmup
git clone git@github.com:example/api.git
pip install requests==2.31.0 urllib3==1.26.18
Python 3.11.7 on kernel 5.15.0-91-generic, go1.21.5, version 10.0, v1.2.3.4
curl -sS -o /dev/null -w "%{{http_code}}" https://api.example.com/healthz
curl -H "Content-Type: application/json" -d '{{"query": "status"}}' https://api.example.com/v1/q
256 SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 deploy@laptop (ED25519)
token_type: Bearer
the Bearer token expired at 10:23:45
max_tokens: 4096
"prompt_tokens": 812, "completion_tokens": 64
secretName: tls-cert
imagePullSecrets:
  - name: regcred
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: db-credentials
        key: password
password: ${{DB_PASSWORD}}
password: "{{{{ .Values.db.password }}}}"
password: <redacted>
password: ********
password:
token: invalid signature
Reset token: expired
password_min_length: 12
request_id=3f9c2b1e-7a4d-4e8b-9c1f-2a3b4c5d6e7f traceId=4bf92f3577b34da6a3ce929d0e0e4736
checksum/config: {H64}
resourceVersion: "123456789"
uid: 3f9c2b1e-7a4d-4e8b-9c1f-2a3b4c5d6e7f
pod-template-hash: 7d9f8b6c5
upstream timed out (110: Connection timed out), client: 127.0.0.1, upstream: "http://127.0.0.1:8080/"
127.0.0.1 - - [15/Jan/2024:10:23:45 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.28"
listen 0.0.0.0:8080; listen [::]:8080;
inet 127.0.0.1/8 scope host lo
inet6 ::1/128 scope host
Pod CIDR: 10.244.0.0/16 --service-cluster-ip-range=10.96.0.0/12 netmask 255.255.255.0
-Xmx2g -XX:+UseG1GC -XX:MaxRAMPercentage=75.0
spring.datasource.url=jdbc:postgresql://db.internal:5432/app
DATABASE_URL=postgresql://db.internal:5432/app
export KUBECONFIG=~/.kube/config
Mem:          15Gi       12Gi       1.2Gi
top - 10:23:45 up 12 days,  3:04,  1 user,  load average: 4.12, 3.98, 3.50
mongosh "mongodb://db.internal:27017/app" --quiet
aws s3 ls s3://backups/ --profile prod
arn:aws:iam::123456789012:role/api
Foo::Bar.new, std::vector<int>, Abc::Def, 12:34:56, 02:42:ac:11:00:02
{{"level":"error","ts":1705314225.123,"caller":"server/handler.go:87","msg":"request failed"}}
{{"apiVersion": "v1", "kind": "ConfigMap", "data": {{"LOG_LEVEL": "debug"}}}}
echo $DB_PASSWORD | wc -c
ORD-2024-001234 epoch 1705314225 port 5432 size 5242880 date 2024-01-15 +0000
terraform plan -var-file=prod.tfvars
kubeadm token create --ttl 2h --print-join-command
X-Request-Id: 3f9c2b1e-7a4d-4e8b-9c1f-2a3b4c5d6e7f
Content-Length: 5242880
HikariPool-1 - Connection is not available, request timed out after 30000ms.
ssh -i ~/.ssh/id_ed25519 ubuntu@bastion
auth_method: md5
Authorization error (user=system:anonymous, verb=get, resource=pods)
WWW-Authenticate: Bearer realm="api", error="invalid_token"
  + password = (sensitive value)
secret := os.Getenv("APP_SECRET")
password = os.environ["DB_PASSWORD"]
const token = req.headers.authorization
conn = connect(host=host, password=self.password)
auth:
  existingSecret: pg-credentials
"integrity": "sha512-AbCdEf0123456789+/GhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt==",
x-amz-id-2: Ab3dEfGh1jKlMn0pQrStUvWxYz0123456789AbCdEf
evens = values[::2]; pairs = values[1::2]; reversed_ = values[::-1]
vault kv get -field=password secret/db
kubectl create secret tls api-tls --cert=tls.crt --key=tls.key
helm install api ./chart --set-file tls.key=./certs/tls.key
"""


def test_benign_troubleshooting_corpus_is_unchanged(redactor: Redactor) -> None:
    out, counts = redactor.redact(BENIGN)
    assert counts == Counter()
    assert out == BENIGN


@pytest.mark.parametrize("line", [line for line in BENIGN.splitlines() if line.strip()])
def test_each_benign_line_is_unchanged(redactor: Redactor, line: str) -> None:
    assert redactor.redact(line) == (line, Counter())


def test_psql_password_flag_takes_no_value(redactor: Redactor) -> None:
    # psql --password only forces a prompt: the next word is the database, not a password
    text = "psql -h db.internal -U app --password app_db"
    assert redactor.redact(text) == (text, Counter())


# ----------------------------------------------------------------------------------------------
# Personal data and the policy
# ----------------------------------------------------------------------------------------------
PERSONAL = (
    "Reported by jane.doe@example.com (+44 20 7946 0958, (415) 555-0132): client 203.0.113.42 "
    "and 2001:db8:85a3::8a2e:370:7334 time out via proxy 10.0.3.17."
)


def test_personal_data_default_policy_redacts_every_kind() -> None:
    out, counts = redact(PERSONAL)
    assert out == (
        "Reported by [REDACTED:email] ([REDACTED:phone], [REDACTED:phone]): client "
        "[REDACTED:ip] and [REDACTED:ip] time out via proxy [REDACTED:ip]."
    )
    assert counts == Counter(email=1, phone=2, ip=3)


def test_personal_data_policy_none_keeps_it_but_still_redacts_secrets() -> None:
    policy = RedactionPolicy.from_setting("none")
    out, counts = redact(PERSONAL + " DB_PASSWORD=hunter2", policy)
    assert out == PERSONAL + " DB_PASSWORD=[REDACTED:password]"
    assert counts == Counter(password=1)


@pytest.mark.parametrize("kind", PERSONAL_KINDS)
def test_personal_data_policy_single_kind(kind: str) -> None:
    out, counts = redact(PERSONAL, RedactionPolicy(personal=frozenset({kind})))
    assert set(counts) == {kind}
    assert f"[REDACTED:{kind}]" in out


@pytest.mark.parametrize(
    "text",
    [
        "127.0.0.1:8080",
        "localhost (::1)",
        "bind 0.0.0.0 and [::]:443",
        "pod CIDR 10.244.0.0/16, service range 10.96.0.0/12, docs 2001:db8::/32",
        "netmask 255.255.255.0 broadcast 255.255.255.255",
        "metadata service 169.254.169.254",
        "mdns 224.0.0.251",
        "versions 1.2.3 10.0 2.13.0 v1.2.3.4 version 1.2.3.4 1.3.6.1.4.1.2021",
        "image nginx:1.25.3 kernel 5.15.0-91-generic",
    ],
)
def test_addresses_that_identify_no_one_are_kept(text: str) -> None:
    assert redact(text) == (text, Counter())


def test_ip_with_prefix_keeps_the_prefix() -> None:
    out, counts = redact("inet 10.0.3.17/24 brd 10.0.3.255 scope global eth0")
    assert out == "inet [REDACTED:ip]/24 brd [REDACTED:ip] scope global eth0"
    assert counts == Counter(ip=2)


def test_personal_data_inside_a_url_password_is_not_double_counted() -> None:
    out, counts = redact("postgres://app:jane@example.com@db.internal:5432/app")
    assert out == "postgres://app:[REDACTED:password]@db.internal:5432/app"
    assert counts == Counter(password=1)


# ----------------------------------------------------------------------------------------------
# Policy parsing
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("email,ip,phone", {"email", "ip", "phone"}),
        (" Phone , EMAIL ", {"email", "phone"}),
        ("ip", {"ip"}),
        ("none", set()),
        ("NONE", set()),
        ("all", {"email", "ip", "phone"}),
        ("", {"email", "ip", "phone"}),  # an empty setting must not silently disable redaction
        ("  ", {"email", "ip", "phone"}),
    ],
)
def test_policy_from_setting(setting: str, expected: set[str]) -> None:
    assert RedactionPolicy.from_setting(setting).personal == frozenset(expected)


@pytest.mark.parametrize("setting", ["email,address", "names", "none,ip", "all,email"])
def test_policy_from_setting_rejects_unknown_kinds(setting: str) -> None:
    with pytest.raises(ValueError, match="email, ip, phone"):
        RedactionPolicy.from_setting(setting)


def test_policy_round_trip_and_validation() -> None:
    assert RedactionPolicy().to_setting() == "email,ip,phone"
    assert RedactionPolicy.from_setting("none").to_setting() == "none"
    assert RedactionPolicy(personal={"ip"}).personal == frozenset({"ip"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valid kinds"):
        RedactionPolicy(personal=frozenset({"ssn"}))
    with pytest.raises(TypeError):
        RedactionPolicy(personal="email")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# redact_data
# ----------------------------------------------------------------------------------------------
def test_redact_data_walks_nested_structures_without_mutating_them(redactor: Redactor) -> None:
    data = {
        "case": {
            "title": "Checkout 502s",
            "steps": [
                {"command": "psql postgresql://app:Pa55w0rd@db:5432/app", "exit_code": 2},
                {"command": "kubectl get pods -n production", "output": "api-0 1/1 Running"},
            ],
            "reporter": "jane.doe@example.com",
        },
        "password": "hunter2",
        "DB_PASSWORD": 123456,
        "passwordPolicy": "strict",
        "env": [{"name": "API_TOKEN", "value": "tok-123"}, {"name": "LOG", "value": "debug"}],
        "headers": {"Authorization": "Bearer abc123def456", "Cookie": "sid=42", "Accept": "*/*"},
        "secret": {"kind": "Secret", "data": {"tls.key": "LS0tLS1C", "user": "YXBw"}},
        "tags": ("db", "10.0.3.17"),
        "retries": 3,
        "enabled": True,
        "ratio": 0.5,
        "missing": None,
    }
    before = copy.deepcopy(data)
    out, counts = redactor.redact_data(data)
    assert data == before  # the input is untouched
    assert out is not data and out["case"] is not data["case"]
    assert out["case"]["steps"][0] == {
        "command": "psql postgresql://app:[REDACTED:password]@db:5432/app",
        "exit_code": 2,
    }
    assert out["case"]["steps"][1] == data["case"]["steps"][1]
    assert out["case"]["reporter"] == "[REDACTED:email]"
    assert out["password"] == "[REDACTED:password]"
    assert out["DB_PASSWORD"] == "[REDACTED:password]"
    assert out["passwordPolicy"] == "strict"
    assert out["env"] == [
        {"name": "API_TOKEN", "value": "[REDACTED:secret]"},
        {"name": "LOG", "value": "debug"},
    ]
    assert out["headers"] == {
        "Authorization": "Bearer [REDACTED:bearer_token]",
        "Cookie": "[REDACTED:cookie]",
        "Accept": "*/*",
    }
    assert out["secret"]["data"] == {
        "tls.key": "[REDACTED:kubernetes_secret]",
        "user": "[REDACTED:kubernetes_secret]",
    }
    assert out["tags"] == ("db", "[REDACTED:ip]")
    assert (out["retries"], out["enabled"], out["ratio"], out["missing"]) == (3, True, 0.5, None)
    assert counts == Counter(
        password=3, email=1, secret=1, bearer_token=1, cookie=1, kubernetes_secret=2, ip=1
    )
    again, again_counts = redactor.redact_data(out)
    assert again == out
    assert again_counts == Counter()


_SECRET_TEXTS = [case.values[0] for case in SECRET_CASES]
_BENIGN_LINES = [line for line in BENIGN.splitlines() if line.strip()]


@pytest.mark.parametrize("text", [*_SECRET_TEXTS, PERSONAL])
def test_redact_data_finds_each_secret_among_many_clean_strings(
    redactor: Redactor, text: str
) -> None:
    """Data is scanned in one pass first; a finding in any one string must survive that pass."""
    data = {
        "title": "Checkout latency after the deploy",
        "steps": [*_BENIGN_LINES[:20], text, *_BENIGN_LINES[20:40]],
        "validation": {"command": "kubectl get pods", "output": "Running"},
    }
    out, counts = redactor.redact_data(data)
    alone, alone_counts = redactor.redact(text)
    assert counts == alone_counts and counts
    assert not redactor.is_clean(data)
    assert out["steps"][20] == alone
    assert out["steps"][:20] == _BENIGN_LINES[:20]


def test_redact_data_still_redacts_by_key_when_every_string_is_clean(
    redactor: Redactor,
) -> None:
    assert redactor.is_clean({"notes": _BENIGN_LINES, "steps": [{"command": "kubectl get pods"}]})
    assert not redactor.is_clean({"env": [{"name": "DB_PASSWORD", "value": "s3cr3t"}]})
    out, counts = redactor.redact_data({"notes": _BENIGN_LINES, "env": {"DB_PASSWORD": "s3cr3t"}})
    assert out["env"] == {"DB_PASSWORD": "[REDACTED:password]"}
    assert out["notes"] == _BENIGN_LINES
    assert counts == Counter(password=1)


def test_redact_data_keeps_keys_verbatim(redactor: Redactor) -> None:
    out, counts = redactor.redact_data({"jane.doe@example.com": "x"})
    assert out == {"jane.doe@example.com": "x"}
    assert counts == Counter()


def test_redact_data_on_scalars(redactor: Redactor) -> None:
    assert redactor.redact_data("DB_PASSWORD=hunter2") == (
        "DB_PASSWORD=[REDACTED:password]",
        Counter(password=1),
    )
    for value in (None, 3, 2.5, True, b"bytes"):
        assert redactor.redact_data(value) == (value, Counter())


# ----------------------------------------------------------------------------------------------
# Idempotence, input checks, thread safety
# ----------------------------------------------------------------------------------------------
def test_already_redacted_text_is_left_alone(redactor: Redactor) -> None:
    text = (
        "DB_PASSWORD=[REDACTED:password] postgresql://app:[REDACTED:password]@db:5432/app\n"
        "Authorization: Bearer [REDACTED:bearer_token]\n[REDACTED:private_key]\n"
        "password: '[REDACTED:password]' from [REDACTED:ip] by [REDACTED:email]\n"
        '{"api_key": "[REDACTED:api_key]", "kind": "Secret", "data": {"a": '
        '"[REDACTED:kubernetes_secret]"}}\n'
        "[REDACTED:github_token]: x-access-token:[REDACTED:github_token]"
    )
    assert redactor.redact(text) == (text, Counter())


def test_empty_and_wrong_types(redactor: Redactor) -> None:
    assert redactor.redact("") == ("", Counter())
    with pytest.raises(TypeError):
        redactor.redact(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Redactor("email")  # type: ignore[arg-type]


def test_non_ascii_text_keeps_offsets(redactor: Redactor) -> None:
    # "İ".lower() is two characters long: offsets must still line up
    text = "İİİ Ünïcode DB_PASSWORD=hunter2 ✓ jane@example.com"
    out, counts = redactor.redact(text)
    assert out == "İİİ Ünïcode DB_PASSWORD=[REDACTED:password] ✓ [REDACTED:email]"
    assert counts == Counter(password=1, email=1)


def test_concurrent_use_gives_the_same_results() -> None:
    texts = [case.values[0] for case in SECRET_CASES] + [PERSONAL, BENIGN]
    redactors = [Redactor(), Redactor(RedactionPolicy.from_setting("none"))]
    expected = [[r.redact(t) for t in texts] for r in redactors]
    failures: list[str] = []

    def work(index: int) -> None:
        r = redactors[index % 2]
        for _ in range(5):
            if [r.redact(t) for t in texts] != expected[index % 2]:
                failures.append(f"thread {index}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# ----------------------------------------------------------------------------------------------
# RedactionReport
# ----------------------------------------------------------------------------------------------
def test_report_counts_and_merge() -> None:
    _, counts = redact("DB_PASSWORD=hunter2 from 10.0.3.17 and 10.0.3.18")
    report = RedactionReport.from_counts(counts)
    assert report.counts == {"ip": 2, "password": 1}
    merged = report.merge(RedactionReport(counts={"password": 2}), Counter(jwt=1))
    assert merged.counts == {"ip": 2, "jwt": 1, "password": 3}
    assert merged.total == 6
    assert report.counts == {"ip": 2, "password": 1}  # merge returns a new report
    assert RedactionReport().counts == {}
    assert RedactionReport(counts={"ip": 0}).counts == {}
    assert RedactionReport.model_validate_json(merged.model_dump_json()) == merged


@pytest.mark.parametrize("counts", [{"hunter2!": 1}, {"Password": 1}, {"ip": -1}, {"": 1}])
def test_report_rejects_anything_but_type_names_and_counts(counts: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        RedactionReport(counts=counts)


def test_placeholder_shape(redactor: Redactor) -> None:
    out, counts = redactor.redact(PERSONAL + " DB_PASSWORD=hunter2 " + GITHUB_TOKEN)
    assert sum(counts.values()) == len(PLACEHOLDER.findall(out))
    assert RedactionReport.from_counts(counts).total == len(PLACEHOLDER.findall(out))


# ----------------------------------------------------------------------------------------------
# Internals worth pinning
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["Zq3vT9bX2mK7pL4nR8sW1yC6dF0gH5jAeU", "aaaaaaaaaaaaaaaaaaaa", AWS_SECRET, "ab+/=_-"]
)
def test_entropy_matches_detect_secrets(value: str) -> None:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    from faultmaven.redaction._detectors import shannon_entropy

    expected = Base64HighEntropyString().calculate_shannon_entropy(value)
    assert shannon_entropy(value) == pytest.approx(expected)


def test_random_base64_blob_is_not_mistaken_for_secrets(redactor: Redactor) -> None:
    # e.g. a base64-encoded core dump or image pasted into a case: no key, no context
    rnd = __import__("random").Random(42)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    blob = "".join(rnd.choice(alphabet) for _ in range(200_000))
    lines = "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))
    assert redactor.redact(blob) == (blob, Counter())
    assert redactor.redact(lines) == (lines, Counter())


def test_a_case_transcript(redactor: Redactor) -> None:
    transcript = (
        "$ kubectl -n production get secret db-credentials -o yaml\n"
        "apiVersion: v1\ndata:\n  password: aHVudGVyMg==\nkind: Secret\nmetadata:\n"
        "  name: db-credentials\n"
        "$ PGPASSWORD=hunter2 psql -h 10.0.3.17 -U app -c 'select 1'\n"
        'psql: error: connection to server at "10.0.3.17", port 5432 failed: '
        'FATAL:  password authentication failed for user "app"\n'
        "$ kubectl rollout restart deploy/api -n production\n"
        "deployment.apps/api restarted\n"
        "Fixed by ops@example.com: rotated the password and restarted api (image sha256:"
        f"{H64}).\n"
    )
    out, counts = redactor.redact(transcript)
    assert counts == Counter(kubernetes_secret=1, password=1, ip=2, email=1)
    for value in ("aHVudGVyMg==", "hunter2", "10.0.3.17", "ops@example.com"):
        assert value not in out
    for kept in ("db-credentials", "password authentication failed", H64, "rollout restart"):
        assert kept in out
