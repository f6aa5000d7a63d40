"""Redaction: replace secrets and personal data with typed placeholders.

Text goes through a :class:`Redactor` BEFORE it is sent to an LLM and BEFORE a runbook is
stored. Every finding becomes ``[REDACTED:<type>]``; the counts per type go into a
:class:`RedactionReport` (type -> count, never a value)::

    redactor = Redactor(RedactionPolicy.from_setting("email,ip"))
    text, counts = redactor.redact("export DB_PASSWORD=hunter2  # ops@example.com")
    # 'export DB_PASSWORD=[REDACTED:password]  # [REDACTED:email]', {'password': 1, 'email': 1}
    report = RedactionReport.from_counts(counts)

The placeholders are plain type names (no numbering), so they are the same for every
occurrence and every call. A :class:`Redactor` is immutable and can be shared between threads.
This package is domain-free: it imports nothing else from faultmaven. It needs
``detect-secrets`` (1.5), imported on the first ``Redactor()`` (~0.3 s, once per process).

What is detected (secrets: always; personal data: per :class:`RedactionPolicy`)
---------------------------------------------------------------------------------
* ``private_key``: whole PEM / OpenSSH / PGP private-key blocks (RSA, EC, ENCRYPTED, ...),
  multi-line or inside a JSON string with ``\\n`` escapes; a block with no END line is
  redacted through its base64 body; PuTTY key files. Certificates and public keys stay.
* provider tokens: ``aws_access_key`` (AKIA/ASIA...), ``aws_secret_key`` (in an AWS context),
  ``github_token`` (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_), ``gitlab_token``, ``slack_token``,
  ``slack_webhook``, ``stripe_key`` (sk_/rk_ live and test, whsec_), ``sendgrid_key``,
  ``pypi_token``, ``npm_token``, ``openai_key``, ``anthropic_key``, ``api_key`` (sk-...),
  ``google_api_key``, ``vault_token``, ``docker_token``, ``digitalocean_token``,
  ``square_secret``, ``discord_token``, ``telegram_token``, ``mailchimp_key``,
  ``artifactory_key``.
* ``jwt``: three-part ``eyJ...`` tokens whose header and payload decode to JSON.
* ``password`` inside URLs: ``postgresql://app:[REDACTED:password]@db:5432/app``. The user, host,
  port, database and query stay: they are what one troubleshoots and are not secret (there is
  no separate ``connection_string_credentials`` type: the password placeholder keeps the URL
  shape). Also ``jdbc:oracle:thin:user/[REDACTED:password]@host``.
* HTTP headers: ``Authorization: Bearer [REDACTED:bearer_token]`` (the scheme word stays;
  ``basic_auth`` for Basic, ``authorization`` for other schemes), ``Cookie``/``Set-Cookie``
  values (``cookie``), and a bare ``Bearer <token>`` anywhere.
* Assignments under a secret-sounding key -> ``password``, ``api_key``, ``private_key``,
  ``aws_secret_key`` or ``secret``. The key must END with password/passwd/passphrase/pwd/
  secret/token/api_key/access_key/secret_key/private_key/client_key/credentials/... (or
  pass/pw/sig/signature after a separator: ``DB_PASS``, ``x-amz-signature``), so
  ``secretName``, ``passwordPolicy``, ``max_tokens``, ``token_endpoint``, ``bypass`` do not
  count, nor Helm's ``existingSecret`` (a Secret's name). All the usual syntaxes:
  ``KEY=VALUE`` (env files, ``export``, logfmt, ``--password=x``, ``--set db.password=x``,
  ``--from-literal=password=x``, ``?token=x&``), ``key: value`` (YAML, ``X-Api-Key:`` headers,
  Go structs), ``"key": "value"`` (JSON, escaped JSON), ``--password VALUE``, ``-storepass x``,
  ``<password>x</password>``, Kubernetes env entries (``name: DB_PASSWORD`` + ``value: x``,
  YAML or JSON). The value is taken even when short and plain (``hunter2``) because the key says
  it is secret. Skipped values: booleans/null/status words (``expired``, ``invalid``), masks
  (``***``), ``<placeholders>``, ``(sensitive value)``, ``$VAR``, ``${VAR}``, ``{{ templates }}``,
  file paths, code (``os.Getenv("X")``, ``self.password``), and prose after a colon
  (``token: invalid signature``, ``password:  16 bytes`` in ``kubectl describe secret``).
* Tool-specific command lines (``password``): ``mysql -pSECRET``, ``mongo -p SECRET``,
  ``docker|podman|helm ... login -p SECRET``, ``sshpass -p``, ``redis-cli -a SECRET`` and
  ``AUTH [user] SECRET`` (also at a ``host:port>`` prompt), ``curl -u user:SECRET``,
  ``sqlplus user/SECRET@db``, ``openssl -passin pass:SECRET``, SQL ``PASSWORD 'x'`` /
  ``IDENTIFIED BY 'x'``, redis ``requirepass``/``masterauth``, ``.netrc`` and ``.pgpass``
  lines, docker ``config.json`` ``"auth"`` (``basic_auth``). ``-p`` is a password only for these
  tools (it is a port for ``docker run``, ``-u`` a uid) and ``psql --password`` /
  ``mysql --password`` take no value (they only prompt), so the next word is kept.
* ``kubernetes_secret``: every value under ``data:``/``stringData:`` of a ``kind: Secret``
  manifest (YAML documents split on ``---``, block scalars included; JSON from
  ``kubectl get secret -o json`` or a last-applied-configuration annotation).
* ``secret`` (generic): a high-entropy value in an assignment whose key does not sound secret
  (``SESSION_SIGNER=Zq3v...``): Shannon entropy above detect-secrets' base64 limit (4.5),
  20+ characters with upper case, lower case and digits, and a key that is not an id/hash/
  digest/sha/checksum/integrity/commit/version/image/trace/cert/name/path/url... Entropy is
  only trusted in such an assignment, never on free text, and pure hex never counts: git SHAs,
  ``sha256:`` image digests, trace ids and checksums come through unchanged.
* ``email``; ``ip`` (IPv4 and IPv6, validated with :mod:`ipaddress`); ``phone`` (``+`` and a
  country code with 10-15 digits in all, or North-American ``(555) 123-4567``,
  ``555-123-4567``, ``555.123.4567``). Kept, because they identify no one: loopback
  (127.0.0.0/8, ::1), unspecified (0.0.0.0, ::), multicast, reserved (240/4, 255.x netmasks and
  broadcast, 0.x wildcard masks), the cloud metadata address 169.254.169.254, and network
  addresses in CIDR form (``10.244.0.0/16``; a host with a prefix, ``10.0.3.17/24``, loses the
  address and keeps ``/24``). Not IPs: version numbers (``1.2.3``, ``10.0``, ``2.13.0``,
  ``v1.2.3.4``, ``version 1.2.3.4``, ``1.3.6.1.4.1``), colon-separated bytes (certificate
  serials, MACs), times (``10:23:45``), slices (``x[1::2]``) and code paths (``Foo::Bar``).
  Not e-mail addresses: ``git@github.com:org/repo``, systemd units (``getty@tty1.service``),
  the user of a URL (``https://bob@host``).

How
---
Each detector scans the whole text (no per-line loop). Patterns start with a literal, or are
anchored where ``str.find`` located a word on a lower-cased copy, because Python's ``re`` only
scans fast from a literal (see ``_detectors``); about 0.15-0.3 s per MB of ordinary logs.
Overlapping secret spans are merged into one (nothing of either survives), typed by the most
specific detector (private key > provider token > JWT > URL password > tool/header > Kubernetes
Secret > keyword > generic); personal-data spans inside a secret span are dropped. Text that
already contains ``[REDACTED:...]`` placeholders keeps them, so redaction is idempotent.

detect-secrets is used as a library of patterns and validators, not as a scanner: its provider
patterns (AWS, GitHub, GitLab, Slack, Stripe, SendGrid, PyPI, OpenAI, Square, Discord,
Mailchimp) are run with ``finditer`` to get spans and widened to the token's end (its Stripe
pattern stops at 24 characters, modern keys are longer); its ``JwtTokenDetector`` validates
JWTs; its base64 entropy limit is the generic threshold. Its scanning entry points are not
used: ``scan_line`` mutates process-wide settings (not thread-safe), ``analyze_line`` may try
network verification, and ``analyze_string`` reports values rather than positions, sometimes
only a capture group (``"ghp"`` for a GitHub token, a JWT without its signature). Its
KeywordDetector is replaced by the stricter key matching above (it reports ``Secret: db-creds``
and misses ``--flag value``), its PrivateKeyDetector by block matching (it reports the BEGIN
line only), its IP detector by :mod:`ipaddress` (IPv4 only, no port/version handling).

Known gaps
----------
* Unlabelled secrets in free text: a random token with no key, no known prefix and no header
  is not found; nor is an AWS secret access key, a Twilio/Datadog/... key or a bare password
  outside an assignment (``kubectl get secret -o jsonpath=... | base64 -d`` output,
  ``CONFIG GET requirepass`` replies, a password typed at a prompt and echoed).
* A value cut short by the syntax: an unquoted value ends at whitespace, ``,``, ``;``, ``&`` or
  a quote, so ``password=abc def`` loses only ``abc``; a URL password containing ``/`` is not
  found (it must be percent-encoded anyway); passwords that look like code
  (``a.b.c``, ``f()``) or start with ``/``, ``$``, ``<`` or ``(`` are kept.
* Secrets in dict keys (``redact_data`` keeps keys verbatim); YAML flow mappings of a Secret
  (``data: {password: x}``); ``/etc/shadow`` and htpasswd hashes.
* Personal data beyond e-mail, IP and phone: names, user names, street addresses, hostnames
  that embed an address (``ip-10-0-1-23``); phone numbers without separators or country code;
  a personal-data match that only partly overlaps a secret keeps its part outside the secret.
* Over-redaction, accepted: every ``data:`` block of a YAML/JSON text that contains a Secret
  (a ConfigMap in the same ``kind: List`` too); ``user@host.domain`` SSH targets and kubeconfig
  users read as e-mail addresses; a 4-part version number without a ``v``/``version`` prefix
  (``4.19.0.1``) read as an IP; references under a secret-sounding key
  (``passwordSecret: app-db``, ``next_page_token=...``).
"""

from faultmaven.redaction.policy import PERSONAL_KINDS, RedactionPolicy
from faultmaven.redaction.redactor import Redactor, personal_data_in
from faultmaven.redaction.report import RedactionReport

__all__ = ["PERSONAL_KINDS", "RedactionPolicy", "RedactionReport", "Redactor", "personal_data_in"]
