"""Redaction: replace secrets and personal data with typed placeholders.

Text goes through a :class:`Redactor` BEFORE it is sent to an LLM and BEFORE a runbook is
stored. Every finding becomes ``[REDACTED:<type>]``; the counts per type go into a
:class:`RedactionReport` (type -> count, never a value)::

    redactor = Redactor(RedactionPolicy.from_setting("email,ip"))
    text, counts = redactor.redact("export DB_PASSWORD=hunter2  # ops@example.com")
    # 'export DB_PASSWORD=[REDACTED:password]  # [REDACTED:email]', {'password': 1, 'email': 1}
    report = RedactionReport.from_counts(counts)

:func:`personal_data_in` answers which kinds of personal data a value holds, for name fields
(services, tags, owner, actor) that should reject rather than redact them::

    personal_data_in("ops@example.com")  # ['email']

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
  trusted in such an assignment; on free text only under the stricter bare rule below. Pure
  hex never counts (git SHAs, ``sha256:`` image digests, trace ids and checksums come through
  unchanged), nor base64 that decodes to readable text, nor a value over 1024 characters.
* ``secret`` (bare): a token with no key, prefix or header next to it, e.g. an AWS secret
  access key pasted as a command's output. See "Bare secrets" below for the rule and its
  measurement.
* ``password`` said in prose: "my password is X", "the password was 'X'", "the root
  password for the db is X", "password changed to X", "reset the password to X", "log in
  with password X" (any secret-sounding key word: ``pw``, ``DB_PASSWORD``, ``token``...). An
  unquoted value must not read as a word of the sentence: plain words (``wrong``,
  ``Expired``, ``NULL``), numbers with a unit (``16MB``, ``3600s``) and a number followed by
  a word ("16 characters long") are kept.
* ``aws configure set [--profile p] [profile.p.]KEY VALUE`` for ``aws_secret_access_key``
  (``aws_secret_key``), ``aws_access_key_id`` (``aws_access_key``) and ``aws_session_token``
  / ``aws_security_token`` (``aws_session_token``, also the type of such a token under any
  key).
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

Bare secrets
------------
A bare token is redacted as ``secret`` when all of these hold (rule in ``_bare_detector``):

* 32 to 1024 characters of ``[A-Za-z0-9+/_-]`` (plus ``=`` padding), not glued on the left to
  ``. : / @ % \\ ~ = & ? # $`` nor on the right to ``@``, ``.x`` or ``:x`` (paths, URLs,
  hosts, e-mail addresses, ``user:password``), and not the value of ``key: value`` /
  ``key=value`` (the keyed rules decide those by their key: ``Request ID: ...`` is kept);
* upper case, lower case and digits; not hex, nor hex groups (UUIDs); Shannon entropy above
  detect-secrets' ``Base64HighEntropyString`` limit, 4.5, from 40 characters on, and above
  log2(length) - 0.9 for shorter ones (4.1 at 32: an n-character string has at most log2(n)
  bits per character);
* not a path or a name: two of its ``/ - _``-separated parts are words (or one is a lower-case
  word of 8+ letters), or CamelCase word runs cover 60% of it (``ITestS3AEncryptionKey2``);
* not base64 of readable text (JSON, a log line), not an SRI hash (``sha512-...``), not a
  ``data:`` URI, not a sequential string (detect-secrets' filter);
* not one line of a base64 block wrapped at a fixed width of 60+ (a certificate, a PGP public
  key, an XML signature): padding ends a block, so two keys on two lines are both redacted.

Measured with ``tests/redaction/measure_redaction.py`` (planted: 1000 seeded random secrets of
each shape, each alone on a line between two real lines):

* caught: AWS secret access keys (40, base64) 995/1000; Azure storage keys (88) 1000/1000;
  url-safe tokens (43) 994/1000; random alphanumerics of 32: 988/1000, of 40: 989/1000. The
  misses have too little entropy or no digit; pronounceable generated passwords
  (``Eevoh2wo0ui6ech0...``) read as words and are missed.
* false positives of the bare and prose detectors on real text: 2 on 29,143 non-blank lines of
  Apache Hadoop JIRA reports (2,503 reports with stack traces, configs, S3 logs; both are S3
  "extended request ids" cut from their key by a line break or in an access-log line), 0 on
  the 563 lines of the demo cases, 0 on the 180 lines of the seed design document, 0 on the
  163 lines of the unit tests' benign corpus. Also 4 on 1.07 M lines of the documentation
  installed on the build machine (package READMEs, /usr/share/doc): a certificate line, an
  HPKP pin (base64 SHA-256, indistinguishable from a key) twice, an encrypted XML value.
* speed (CPU time, best of 15, demo cases through ``redact_data`` as on every write): 2.75 ms
  before these detectors, 2.86 ms after (x1.04); secrets only (case arrival) x1.05; the 2.5 MB
  of Hadoop reports in one text 376 -> 396 ms (x1.05).

How
---
Each detector scans the whole text (no per-line loop). Patterns start with a literal, or are
anchored where ``str.find`` located a word on a lower-cased copy, because Python's ``re`` only
scans fast from a literal (see ``_detectors``); about 0.15-0.3 s per MB of ordinary logs.
Overlapping secret spans are merged into one (nothing of either survives), typed by the most
specific detector (private key > provider token > JWT > URL password > tool/header > Kubernetes
Secret > keyword > generic); personal-data spans inside a secret span are dropped. Text that
already contains ``[REDACTED:...]`` placeholders keeps them, so redaction is idempotent.
A placeholder is often longer than what it replaces (``password=x`` grows by 18 characters):
where a length limit applies, :func:`shorten` cuts the redacted text to it, never inside a
placeholder, ending with ``…``.

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
* Unlabelled secrets in free text that do not look random: a bare token under 32 characters,
  hex keys (Datadog, Twilio: a hex secret reads like a git SHA or a digest), pronounceable
  generated passwords, a bare password outside an assignment or a phrase
  (``kubectl get secret -o jsonpath=... | base64 -d`` output, ``CONFIG GET requirepass``
  replies, a password typed at a prompt and echoed), a password in prose that is a plain
  word ("my password is Summer") and one said without a verb ("password hunter2"); a secret
  that is base64 of text, or a line of a wrapped base64 block.
* A value cut short by the syntax: an unquoted value ends at whitespace, ``,``, ``;``, ``&`` or
  a quote, so ``password=abc def`` loses only ``abc``; a URL password containing ``/`` is not
  found (it must be percent-encoded anyway); passwords that look like code
  (``a.b.c``, ``f()``) or start with ``/``, ``$``, ``<`` or ``(`` are kept.
* Secrets in dict keys (``redact_data`` keeps keys verbatim); YAML flow mappings of a Secret
  (``data: {password: x}``); ``/etc/shadow`` and htpasswd hashes.
* Personal data beyond e-mail, IP and phone: names, user names, street addresses, hostnames
  that embed an address (``ip-10-0-1-23``); phone numbers without separators or country code;
  a personal-data match that only partly overlaps a secret keeps its part outside the secret.
* Over-redaction, accepted: random-looking ids with no key before them (S3 extended request
  ids, base64 hashes such as HPKP pins); every ``data:`` block of a YAML/JSON text that
  contains a Secret (a ConfigMap in the same ``kind: List`` too); ``user@host.domain`` SSH
  targets and kubeconfig users read as e-mail addresses; a 4-part version number without a
  ``v``/``version`` prefix (``4.19.0.1``) read as an IP; references under a secret-sounding
  key (``passwordSecret: app-db``, ``next_page_token=...``).
"""

from faultmaven.redaction.bounds import shorten
from faultmaven.redaction.policy import PERSONAL_KINDS, RedactionPolicy
from faultmaven.redaction.redactor import Redactor, personal_data_in
from faultmaven.redaction.report import RedactionReport

__all__ = [
    "PERSONAL_KINDS",
    "RedactionPolicy",
    "RedactionReport",
    "Redactor",
    "personal_data_in",
    "shorten",
]
