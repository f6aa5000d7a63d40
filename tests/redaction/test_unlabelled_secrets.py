"""Secrets with no key next to them: bare high-entropy tokens, ``aws configure set``, and
password phrases in prose. Each planted kind is caught; realistic non-secrets are kept.

The fake secrets are assembled at run time so that this file does not look like a leak.
"""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest

from faultmaven.redaction import RedactionPolicy, Redactor, personal_data_in

# The AWS documentation's example secret access key, and a random-looking one.
AWS_SECRET_EXAMPLE = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
AWS_SECRET = "Tk3vQ9x2ZbL7m/" + "Wc8RfYp1sJhD4uNe6GaKq0Vt"
AZURE_KEY = (
    "Zq3vT9bX2mK7pL4nR8sW1yC6dF0gH5jAeUoI+x/Bc7Nw2Mv4Kp9Lr6Ts3Hd8Gf1Ja5" + "Qe0Yb2Uc4Xo6Wn==" + ""
)
URLSAFE_TOKEN = "f7Kq2_Vx9LmZ3-bR8tNw4YcPj6DhG1sUe0Ao5" + "XiMk"
ALNUM_32 = "q7XvB2mN9kLp4RtW" + "8zYc3HdF6gJs1Ae5"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


# ----------------------------------------------------------------------------------------------
# Bare high-entropy tokens
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, secret",
    [
        pytest.param(
            f"$ cat ~/.aws/key\n{AWS_SECRET_EXAMPLE}\n", AWS_SECRET_EXAMPLE, id="aws-doc-key"
        ),
        pytest.param(f"{AWS_SECRET}", AWS_SECRET, id="whole-output"),
        pytest.param(f"got {AWS_SECRET} back from the vault", AWS_SECRET, id="in-prose"),
        pytest.param(f'["{AWS_SECRET}"]', AWS_SECRET, id="json-array"),
        pytest.param(f"- {AZURE_KEY}\n- {AZURE_KEY[::-1]}", AZURE_KEY, id="azure-two-lines"),
        pytest.param(f"token issued: ok\n{URLSAFE_TOKEN}", URLSAFE_TOKEN, id="urlsafe"),
        pytest.param(f"echo {ALNUM_32} | vault login -", ALNUM_32, id="alnum-32"),
        pytest.param(f"{AWS_SECRET}\n{AWS_SECRET[::-1]}", AWS_SECRET, id="two-keys-two-lines"),
    ],
)
def test_bare_secret_is_caught(redactor: Redactor, text: str, secret: str) -> None:
    out, counts = redactor.redact(text)
    assert secret not in out
    assert counts["secret"] >= 1


def test_bare_secret_after_non_ascii_text_keeps_offsets(redactor: Redactor) -> None:
    text = f"Überprüfung fehlgeschlagen — Schlüssel: ✓\n{AWS_SECRET} ← alt"
    out, counts = redactor.redact(text)
    assert out == "Überprüfung fehlgeschlagen — Schlüssel: ✓\n[REDACTED:secret] ← alt"
    assert counts == Counter(secret=1)


def test_bare_secret_report_and_idempotence(redactor: Redactor) -> None:
    out, counts = redactor.redact(f"output:\n{AWS_SECRET_EXAMPLE}")
    assert out == "output:\n[REDACTED:secret]"
    assert counts == Counter(secret=1)
    assert redactor.redact(out) == (out, Counter())


H40 = "3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"
H64 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
B64_JSON = base64.b64encode(
    json.dumps({"auths": {"registry.example.com": {"email": "ci"}}, "v": 2}).encode()
).decode()
CERT_LINES = [
    "MIIDpzCCA1GgAwIBAgIJAK+ii7kzrdqvMA0GCSqGSIb3DQEBBQUAMIGcMQswCQYD",
    "VQQGEwJVUzETMBEGA1UECBMKQ2FsaWZvcm5pYTE9MDsGA1UEChM0WE1MIFNlY3Vy",
    "aXR5IExpYnJhcnkgKGh0dHA6Ly93d3cuYWxla3NleS5jb20veG1sc2VjKTEQMA4G",
    "fBjXssrERn05kpBcrRfzou4r3DCgQFPhjxga",
]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"git show {H40}", id="git-sha"),
        pytest.param(f"commit {H40.upper()}", id="git-sha-upper"),
        pytest.param("request 3f9c2b1e-7a4d-4e8b-9c1f-2a3b4c5d6e7f failed", id="uuid"),
        pytest.param(f"image: registry.example.com/api@sha256:{H64}", id="image-digest"),
        pytest.param(f"docker pull nginx@sha256:{H64}", id="image-digest-pull"),
        pytest.param("kubectl logs redis-7d9f8b6c4-x2x9z -n production", id="pod-name"),
        pytest.param(
            "kubectl logs api-server-deployment-5f7b9c8d4-x2x9z-7d9f8b6c4 --previous",
            id="long-pod-name",
        ),
        pytest.param(f"docker login payload {B64_JSON}", id="base64-json"),
        pytest.param(f"payload={B64_JSON}", id="base64-json-assigned"),
        pytest.param("\n".join(CERT_LINES), id="wrapped-certificate"),
        pytest.param(
            "<X509Certificate>" + "\n".join(CERT_LINES) + "</X509Certificate>",
            id="wrapped-in-xml",
        ),
        pytest.param(
            "at org.apache.hadoop.fs.s3a.ITestS3AEncryptionSSEKMSDefaultKey.setup", id="java"
        ),
        pytest.param("ITestS3AContractVectoredReadWithSSECKey2 failed", id="camel-case-test"),
        pytest.param(
            "hadoop-tools/hadoop-aws/src/test/java/org/apache/hadoop/fs/s3a/ITestS3AConfig",
            id="path",
        ),
        pytest.param(
            "/tmp/1-xvpobktnlicqhfzwbkriy4cick5tpsab/spack-src/hadoop-common/build/test/temp/QUALIFIED0",
            id="build-path",
        ),
        pytest.param(
            "S3 Extended Request ID: 6Xrg9thLiZXffBM9rbSCRgBqwTxdLAzm6OzWk9qYJz1k=", id="req-id"
        ),
        pytest.param('"VersionId": "2py_ZXKl7yh6fwhzksAx8Os1BriDJCBb",', id="keyed-version-id"),
        pytest.param(
            '"integrity": "sha512-AbCdEf0123456789+/GhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKl=="',
            id="sri",
        ),
        pytest.param(
            "256 SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 deploy@laptop", id="ssh-fp"
        ),
        pytest.param(
            "see https://github.com/apache/hadoop/blob/81da221c757bef9ec35cd190f14b2f8723/x",
            id="url",
        ),
        pytest.param(
            "![logo](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAA4AAAASCAYAAABrXO8x)",
            id="data-uri",
        ),
        pytest.param("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd", id="sequential"),
        pytest.param("id-GostR3410-2001-CryptoPro-XchA-ParamSet", id="oid-name"),
    ],
)
def test_realistic_non_secrets_are_kept(redactor: Redactor, text: str) -> None:
    out, counts = redactor.redact(text)
    assert counts["secret"] == 0, out
    assert "[REDACTED:secret]" not in out


def test_a_long_base64_blob_is_data_not_a_secret(redactor: Redactor) -> None:
    # a core dump or an image pasted on one line: longer than any credential
    blob = base64.b64encode(bytes(range(256)) * 8).decode()
    assert redactor.redact(f"dump: {blob}") == (f"dump: {blob}", Counter())
    assert redactor.redact(blob) == (blob, Counter())


# ----------------------------------------------------------------------------------------------
# aws configure set <key> <value>
# ----------------------------------------------------------------------------------------------
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH7pQ0kXzZ" + "1234abcd5678efghIJKLmnop"


@pytest.mark.parametrize(
    "command, secret, kind",
    [
        (f"aws configure set aws_secret_access_key {AWS_SECRET}", AWS_SECRET, "aws_secret_key"),
        ("aws configure set aws_secret_access_key hunter2", "hunter2", "aws_secret_key"),
        ("aws configure set aws_access_key_id MYKEYID123", "MYKEYID123", "aws_access_key"),
        (
            f"aws configure set aws_session_token {SESSION_TOKEN}",
            SESSION_TOKEN,
            "aws_session_token",
        ),
        (
            f"aws configure set --profile prod aws_secret_access_key '{AWS_SECRET}'",
            AWS_SECRET,
            "aws_secret_key",
        ),
        (
            f"aws configure set profile.prod.aws_secret_access_key {AWS_SECRET} --profile x",
            AWS_SECRET,
            "aws_secret_key",
        ),
        ("AWS CONFIGURE SET default.aws_security_token abc123", "abc123", "aws_session_token"),
    ],
)
def test_aws_configure_set(redactor: Redactor, command: str, secret: str, kind: str) -> None:
    out, counts = redactor.redact(f"Steps:\n1. {command}\n2. aws s3 ls")
    assert secret not in out
    assert counts == Counter({kind: 1})
    assert "aws configure set" in out.lower() and "2. aws s3 ls" in out


def test_aws_configure_set_of_other_settings_is_kept(redactor: Redactor) -> None:
    for text in (
        "aws configure set region eu-west-1",
        "aws configure set default.s3.max_concurrent_requests 20",
        "aws configure set aws_secret_access_key $AWS_SECRET_ACCESS_KEY",
        "aws configure get aws_access_key_id",
    ):
        assert redactor.redact(text) == (text, Counter()), text


# ----------------------------------------------------------------------------------------------
# Passwords said in prose
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, secret",
    [
        ("my password is hunter2", "hunter2"),
        ("the password was Tr0ub4dor&3, I think", "Tr0ub4dor&3"),
        ("pw: s3cret!", "s3cret!"),
        ("my pw is p@ss", "p@ss"),
        ("Password is 'correct horse battery'", "correct horse battery"),
        ('the password is "wrong"', "wrong"),
        ("the root password for the db is hunter2 so try that", "hunter2"),
        ("The admin password of grafana-01 was: Gr4fana!", "Gr4fana!"),
        ("I reset the admin password to Welcome1! and it worked", "Welcome1!"),
        ("password changed to Spring2024.", "Spring2024"),
        ("the password has been set to HelloWorld", "HelloWorld"),
        ("log in with password S3cr3t", "S3cr3t"),
        ("the password is 12345678.", "12345678"),
        ("DB_PASSWORD is now xK9#mQ2", "xK9#mQ2"),
        ("the api token is tok_9f8e7d6c", "tok_9f8e7d6c"),
    ],
)
def test_password_phrase_is_caught(redactor: Redactor, text: str, secret: str) -> None:
    out, counts = redactor.redact(text)
    assert secret not in out, out
    assert counts == Counter({kind: 1 for kind in counts}) and sum(counts.values()) == 1
    assert set(counts) <= {"password", "secret"}


def test_password_phrase_in_a_case_message(redactor: Redactor) -> None:
    message = {"role": "user", "content": "tried again; my password is hunter2 btw"}
    out, counts = redactor.redact_data(message)
    assert out == {"role": "user", "content": "tried again; my password is [REDACTED:password] btw"}
    assert counts == Counter(password=1)


@pytest.mark.parametrize(
    "text",
    [
        "the password is wrong",
        "Password is expired",
        "the password was changed yesterday",
        "the password is 16 characters long",
        "the password is stored in vault",
        "password is NULL in the config",
        "the password is the same as on staging",
        "password was reset by ops",
        "the password is required",
        "the token is invalid",
        "The secret is Opaque",
        "the token was 5 minutes old",
        "the token TTL is 3600s",
        "token lifetime is 16h",
        "reset the password to the default",
        "log in with password authentication",
        "the password is $DB_PASSWORD",
        "the password is <redacted>",
        "password is in ~/.pgpass",
        "the password is ********",
        "Password policy is strict",
        "the password of user app is expired",
    ],
)
def test_password_prose_without_a_password_is_kept(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == (text, Counter())


# ----------------------------------------------------------------------------------------------
# personal_data_in: for name fields (services, tags, owner, author, actor)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, kinds",
    [
        ("redis", []),
        ("payments-api", []),
        ("team-sre", []),
        ("jane.doe", []),
        ("kubernetes", []),
        ("getty@tty1.service", []),
        ("127.0.0.1", []),
        ("10.244.0.0/16", []),
        ("v1.2.3.4", []),
        ("jane.doe@example.com", ["email"]),
        ("owner: ops@example.com", ["email"]),
        ("10.0.3.17", ["ip"]),
        ("db-2001:db8::8a2e:370:7334", ["ip"]),
        ("+44 20 7946 0958", ["phone"]),
        ("ops@example.com from 203.0.113.42, call (415) 555-0132", ["email", "ip", "phone"]),
    ],
)
def test_personal_data_in(value: str, kinds: list[str]) -> None:
    assert personal_data_in(value) == kinds


def test_personal_data_in_ignores_the_policy_and_wants_a_str() -> None:
    Redactor(RedactionPolicy.from_setting("none"))  # a policy elsewhere changes nothing here
    assert personal_data_in("ops@example.com") == ["email"]
    with pytest.raises(TypeError):
        personal_data_in(["ops@example.com"])  # type: ignore[arg-type]
