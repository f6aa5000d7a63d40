"""The detectors. Each one scans a whole text and yields :class:`Span` candidates.

Everything here is immutable once built: compiled patterns, tuples, frozensets and pure
functions. The detect-secrets patterns are loaded on first use by :func:`engine` (importing that
package costs ~0.3 s) and cached for the process.

Speed: Python's ``re`` scans fast only for a pattern that starts with a literal (it then jumps
from one occurrence of the literal to the next); a leading look-behind, a character class or a
case-insensitive alternation makes it try every position, ~40-200 ms per MB each. So the
patterns here start with a literal, or the detector first finds the occurrences of a word with
``str.find`` on a lower-cased copy and then matches an anchored pattern there; boundaries
that a look-behind would check are checked in Python.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

PLACEHOLDER_RE = re.compile(r"\[REDACTED:[a-z][a-z0-9_]*\]")


def placeholder(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _always_match(
    pattern: re.Pattern[str], text: str, pos: int, endpos: int = sys.maxsize
) -> re.Match[str]:
    """``pattern.match`` for a pattern that matches the empty string, so never ``None``."""
    match = pattern.match(text, pos, endpos)
    assert match is not None, pattern.pattern
    return match


class Span(NamedTuple):
    start: int
    end: int
    kind: str
    priority: int


# Priorities decide the type of merged (overlapping) secret spans: the most specific wins.
P_PRIVATE_KEY = 100
P_PROVIDER = 90
P_JWT = 85
P_URL = 70
P_TOOL = 65
P_HEADER = 65
P_K8S = 60
P_KEYWORD = 50
P_GENERIC = 40
P_BARE = 30
P_PERSONAL = 10

_ALNUM = frozenset(string.ascii_letters + string.digits)
_WORD = _ALNUM | {"_"}
_KEY_CHARS = _WORD | {".", "-"}
_B64 = _ALNUM | {"+", "/", "="}
_KEY_RUN = re.compile(r"[A-Za-z0-9_.-]*")
_MAX_KEY = 128  # a longer run of key characters is data (base64...), not a key
_HEX = frozenset(string.hexdigits)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class Text:
    """One text being scanned, with a lower-cased copy of the same length (for ``str.find``)."""

    __slots__ = ("text", "lower", "_key_runs")

    def __init__(self, text: str) -> None:
        self.text = text
        # str.lower() can change the length of non-ASCII text ("İ" -> "i̇"); offsets must match.
        self.lower = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
        self._key_runs: list[tuple[int, int]] | None = None

    def find_all(self, word: str) -> Iterator[int]:
        """Every offset of ``word`` (lower case) in the text, case-insensitively."""
        lower = self.lower
        i = lower.find(word)
        while i >= 0:
            yield i
            i = lower.find(word, i + 1)

    def key_runs(self) -> list[tuple[int, int]]:
        """Every key-like run ([A-Za-z0-9_.-]+) that ends with a secret-sounding word, as
        (start, end), sorted. Found from the hint words with str.find, checked in Python."""
        if self._key_runs is None:
            text, lower = self.text, self.lower
            hits = sorted(i for word in _HINT_WORDS for i in self.find_all(word))
            runs = []
            run_end = -1
            for i in hits:
                if i < run_end:
                    continue  # in the run just examined: each run is scanned once
                run_end = _always_match(_KEY_RUN, text, i).end()
                start = i
                while start > 0 and i - start <= _MAX_KEY and text[start - 1] in _KEY_CHARS:
                    start -= 1
                if run_end - start <= _MAX_KEY and is_secret_key(lower[start:run_end]):
                    runs.append((start, run_end))
            self._key_runs = runs
        return self._key_runs


def _left_ok(text: str, start: int, forbidden: frozenset[str]) -> bool:
    return start == 0 or text[start - 1] not in forbidden


def _right_ok(text: str, end: int, forbidden: frozenset[str]) -> bool:
    return end >= len(text) or text[end] not in forbidden


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _line_start(text: str, pos: int, limit: int = 256) -> int:
    """Start of the line holding ``pos``, looking back at most ``limit`` characters (callers only
    inspect short line prefixes; an unbounded search would be quadratic on a huge one-line log).
    """
    lo = max(0, pos - limit)
    found = text.rfind("\n", lo, pos)
    return found + 1 if found >= 0 else lo


# --------------------------------------------------------------------------------------------
# Secret-sounding keys: DB_PASSWORD, --password, apiKey, client_secret, x-api-key, ...
# A key counts only when it ENDS with one of these words, so secretName, passwordPolicy,
# max_tokens or token_endpoint do not.
# --------------------------------------------------------------------------------------------
_SECRET_WORD = (
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[_.-]?key|apikey"
    r"|(?:access|secret|private|priv|client|auth|account|encryption|signing|master|app"
    r"|shared[_.-]?access)[_.-]?key"
    r"|key[_.-]?data|credentials?|requirepass|masterauth|(?:src|dest)?(?:store|key)pass"
)
# Too common as the tail of ordinary words (bypass, compass, ...): only after a separator
# (db_pass, x-amz-signature) or as the whole key (pw=...).
_SEP_WORD = r"pass|pw|sig|signature"
KEY_PATTERN = rf"(?:[\w.-]*?(?:{_SECRET_WORD})|(?:[\w.-]*[_.-])?(?:{_SEP_WORD}))"
KEY_FULL_RE = re.compile(rf"-{{0,2}}{KEY_PATTERN}", re.I)
# Every secret-sounding key contains one of these (lower case).
_HINT_WORDS = ("pass", "pw", "secret", "token", "key", "credential", "sig", "masterauth")
# The same tails with the optional separators removed, for a quick check in Python.
_TAILS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "privkey",
    "clientkey",
    "authkey",
    "accountkey",
    "encryptionkey",
    "signingkey",
    "masterkey",
    "appkey",
    "keydata",
    "credential",
    "credentials",
    "requirepass",
    "masterauth",
    "storepass",
    "keypass",
)
_SEP_TAILS = ("pass", "pw", "sig", "signature")


def is_secret_key(key: str) -> bool:
    """Whether ``key`` (a whole key or flag name, e.g. ``DB_PASSWORD``, ``--api-key``) ends with
    a secret-sounding word. Same answer as ``KEY_FULL_RE.fullmatch``, much faster."""
    lower = key.lower().lstrip("-")
    if not lower or lower.startswith("existing"):
        return False  # existingSecret: db-credentials (a Helm reference to a Secret's name)
    norm = lower.replace("_", "").replace(".", "").replace("-", "")
    if norm.endswith(_TAILS):
        return KEY_FULL_RE.fullmatch(key) is not None
    for tail in _SEP_TAILS:
        if lower == tail or (lower.endswith(tail) and lower[-len(tail) - 1] in "_.-"):
            return True
    return False


def kind_for_key(key: str) -> str:
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    if "aws" in norm and norm.endswith("secretaccesskey"):
        return "aws_secret_key"
    if "aws" in norm and norm.endswith(("sessiontoken", "securitytoken")):
        return "aws_session_token"
    if norm.endswith(("password", "passwd", "passphrase", "pwd", "pass", "pw", "masterauth")):
        return "password"
    if norm.endswith("apikey"):
        return "api_key"
    if norm.endswith(("privatekey", "privkey", "keydata")):
        return "private_key"
    return "secret"


# Values that are not secrets even under a secret-sounding key.
_NOT_A_VALUE = re.compile(
    r"""(?ix)
    (?:true|false|yes|no|on|off|null|nil|none|undefined|empty|~|-|n/?a|required|optional
      |redacted|hidden|masked|removed|omitted|expired|invalid|missing|revoked|unset|denied
      |unknown|valid|ok|set|not[ ]set)
    | \*+ | x{3,} | \.{3,} | •+
    | <.*                           # <password>, <none>, <set to the key 'x' in secret 'y'>
    | \(.*                          # (sensitive value), (none) in terraform / kubectl output
    | [A-Za-z_][\w.]*(?:\(\)?|\[)    # code: os.Getenv("X"), os.environ["X"], get_password()
    | (?:self|this|cls|os|process|config|settings|args|opts|options|params|req|request|ctx
      |env|props|values)\.[\w.]+    # code: self.password, process.env.TOKEN
    | [A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}  # code: a.b.c attribute chains
    | \$[A-Za-z_][A-Za-z0-9_]*         # $DB_PASSWORD (${...}, {{ ... }}: see _TEMPLATE_MARKS)
    | (?:/|\./|\.\./|~/|file:)\S*   # paths: --password-file style values
    """
)


# Substitutions and templates: ${VAR}, $(cmd), {{ .Values.x }}, %(name)s, #{ruby}
_TEMPLATE_MARKS = ("${", "$(", "{{", "%(", "#{")


def is_real_value(value: str) -> bool:
    """Whether ``value`` (already unquoted) should be redacted under a secret-sounding key."""
    stripped = value.strip()
    if not stripped or any(mark in stripped for mark in _TEMPLATE_MARKS):
        return False
    if "[REDACTED:" in stripped and not PLACEHOLDER_RE.sub("", stripped).strip(" \t,;:'\"`"):
        return False
    return not _NOT_A_VALUE.fullmatch(stripped)


def _unquote(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) to the inside of its quotes, if quoted."""
    value = text[start:end]
    for quote in ('\\"', '"', "'", "`"):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return start + len(quote), end - len(quote)
    return start, end


def _trim_unbalanced(text: str, start: int, end: int) -> int:
    """Drop trailing ``)]}>`` that close something opened before the value (``f(password=x)``)."""
    pairs = {")": "(", "]": "[", "}": "{", ">": "<"}
    while end > start and text[end - 1] in pairs:
        value = text[start:end]
        close = value[-1]
        if value.count(close) > value.count(pairs[close]):
            end -= 1
        else:
            break
    return end


# --------------------------------------------------------------------------------------------
# The engine: every detector, built once.
# --------------------------------------------------------------------------------------------
Detector = Callable[[Text], Iterator[Span]]


@dataclass(frozen=True)
class _Token:
    """A token pattern (must start with a literal, for speed).

    ``hints``: the pattern cannot match unless one of these occurs in the text (``lower``: in the
    lower-cased text). ``left``/``right``: characters that may not touch the match.
    ``extend``: grows the end over more characters (detect-secrets patterns have fixed lengths,
    e.g. Stripe's 24, and real keys can be longer).
    """

    regex: re.Pattern[str]
    kind: str
    hints: tuple[str, ...]
    lower: bool = False
    group: int = 0
    left: frozenset[str] = _ALNUM
    right: frozenset[str] = frozenset()
    extend: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Engine:
    secret_detectors: tuple[Detector, ...]
    personal_detectors: tuple[tuple[str, Detector], ...]


_EXT_ALNUM = re.compile(r"[A-Za-z0-9]+")
_EXT_WORD = re.compile(r"[A-Za-z0-9_]+")
_EXT_WORD_DASH = re.compile(r"[A-Za-z0-9_-]+")


@cache
def engine() -> Engine:
    """Build (once) and return every detector. Imports detect-secrets lazily."""
    from detect_secrets.filters.heuristic import is_sequential_string
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector

    aws = AWSKeyDetector.denylist
    slack = SlackDetector.denylist
    gitlab = GitLabTokenDetector.denylist
    gitlab_hints = (
        ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-"),
        ("GR1348941",),
        ("glcbt-",),
        ("glimt-",),
        ("glptt-",),
        ("glagent-",),
        ("gloas-",),
    )
    if len(gitlab) != len(gitlab_hints):  # pragma: no cover - a detect-secrets upgrade
        raise RuntimeError("detect-secrets GitLab patterns changed; update gitlab_hints")
    ds_tokens = [
        # detect-secrets' own patterns, run with finditer so that we get spans: its
        # analyze_string yields values, and only a capture group for some ("ghp" for a
        # GitHub token; a JWT without its signature).
        _Token(aws[0], "aws_access_key", ("A3T", "ABIA", "ACCA", "AKIA", "ASIA"), right=_ALNUM),
        _Token(aws[1], "aws_secret_key", ("aws",), lower=True, group=1, left=frozenset()),
        _Token(
            GitHubTokenDetector.denylist[0],
            "github_token",
            ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
            extend=_EXT_WORD,
        ),
        *(
            _Token(p, "gitlab_token", hints, extend=_EXT_WORD_DASH)
            for p, hints in zip(gitlab, gitlab_hints, strict=True)
        ),
        _Token(slack[0], "slack_token", ("xox",), lower=True, extend=_EXT_WORD_DASH),
        _Token(slack[1], "slack_webhook", ("hooks.slack.com",), lower=True, extend=_EXT_WORD),
        _Token(StripeDetector.denylist[0], "stripe_key", ("k_live_",), extend=_EXT_ALNUM),
        _Token(SendGridDetector.denylist[0], "sendgrid_key", ("SG.",), extend=_EXT_WORD_DASH),
        *(_Token(p, "pypi_token", ("pypi-",)) for p in PypiTokenDetector.denylist),
        _Token(OpenAIDetector.denylist[0], "openai_key", ("T3BlbkFJ",), extend=_EXT_WORD_DASH),
        _Token(SquareOAuthDetector.denylist[0], "square_secret", ("sq0csp-",)),
        _Token(MailchimpDetector.denylist[0], "mailchimp_key", ("-us",), right=_ALNUM),
    ]
    own_tokens = [
        # Formats detect-secrets 1.5 does not know (or knows only partly).
        _Token(re.compile(r"github_pat_[A-Za-z0-9_]{22,}"), "github_token", ("github_pat_",)),
        _Token(re.compile(r"xapp-\d-[A-Za-z0-9-]{20,}"), "slack_token", ("xapp-",)),
        _Token(re.compile(r"[sr]k_test_[0-9A-Za-z]{24,}"), "stripe_key", ("k_test_",)),
        _Token(re.compile(r"whsec_[0-9A-Za-z]{24,}"), "stripe_key", ("whsec_",)),
        _Token(re.compile(r"sk-(?:proj|svcacct|admin)-[\w-]{20,}"), "openai_key", ("sk-",)),
        _Token(re.compile(r"sk-ant-[a-z]+\d*-[\w-]{20,}"), "anthropic_key", ("sk-ant-",)),
        _Token(
            re.compile(r"sk-[A-Za-z0-9]{32,}"),
            "api_key",
            ("sk-",),
            left=_WORD | {"-"},
            right=_WORD | {"-"},
        ),
        _Token(
            re.compile(r"AIza[0-9A-Za-z_-]{35}"),
            "google_api_key",
            ("AIza",),
            right=_WORD | {"-"},
        ),
        _Token(
            re.compile(r"hv[sbr]\.[A-Za-z0-9_-]{24,}"),
            "vault_token",
            ("hvs.", "hvb.", "hvr."),
            left=_KEY_CHARS,
        ),
        _Token(re.compile(r"npm_[A-Za-z0-9]{36}"), "npm_token", ("npm_",), right=_ALNUM),
        _Token(re.compile(r"dckr_pat_[A-Za-z0-9_-]{20,}"), "docker_token", ("dckr_pat_",)),
        _Token(re.compile(r"do[por]_v1_[a-f0-9]{64}"), "digitalocean_token", ("_v1_",)),
        _Token(
            re.compile(r"AKC[a-zA-Z0-9]{10,}"), "artifactory_key", ("AKC",), left=_B64, right=_B64
        ),
    ]
    # Discord's pattern starts with a character class ([MNO]): ~10 ms/MB, still cheap.
    discord = DiscordBotTokenDetector.denylist[0]
    # Its threshold; the entropy itself is computed by shannon_entropy (same value, ~10x faster
    # than calculate_shannon_entropy, which counts every character of the base64 alphabet).
    entropy_limit = Base64HighEntropyString().entropy_limit

    secret: tuple[Detector, ...] = (
        _private_keys,
        _tokens_detector(tuple(ds_tokens + own_tokens), discord),
        _jwt_detector(JwtTokenDetector.is_formally_valid),
        _url_credentials,
        _headers,
        _tool_flags,
        _sql_and_config,
        _kubernetes_secrets,
        _assignments,
        _password_phrases,
        _generic_detector(entropy_limit),
        _bare_detector(entropy_limit, is_sequential_string),
    )
    personal = (("email", _emails), ("ip", _ips), ("phone", _phones))
    return Engine(secret_detectors=secret, personal_detectors=personal)


# --------------------------------------------------------------------------------------------
# Private keys: the whole PEM/OpenSSH/PGP block (also inside JSON strings with "\n" escapes),
# or, when the END line is missing (truncated paste), the BEGIN line plus its base64 body.
# --------------------------------------------------------------------------------------------
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
_PEM_END = re.compile(r"-----END ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
# A block without its END line: the BEGIN line and the base64 body (and PEM headers) after it.
_PEM_OPEN_BODY = re.compile(
    r"(?:[A-Za-z0-9+/=\s]|\\[nr]|(?:Proc-Type|DEK-Info|Comment|Version):[^\n\\]*)*"
)
_PEM_MAX = 65536  # an END line further away than this closes some other block
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d+:.{0,16384}?Private-MAC:[ \t]*[0-9a-fA-F]+", re.S)


def _private_keys(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "PRIVATE KEY" in text:
        # BEGIN and END lines are found separately (linear) and paired: a BEGIN is closed by
        # the first END with the same label before the next BEGIN.
        begins = list(_PEM_BEGIN.finditer(text))
        ends = list(_PEM_END.finditer(text))
        j = 0
        for i, begin in enumerate(begins):
            limit = begins[i + 1].start() if i + 1 < len(begins) else len(text)
            limit = min(limit, begin.end() + _PEM_MAX)
            while j < len(ends) and ends[j].start() < begin.end():
                j += 1
            k = j
            while k < len(ends) and ends[k].end() <= limit and ends[k].group(1) != begin.group(1):
                k += 1
            if k < len(ends) and ends[k].end() <= limit:
                yield Span(begin.start(), ends[k].end(), "private_key", P_PRIVATE_KEY)
                j = k + 1
            else:
                body = _always_match(_PEM_OPEN_BODY, text, begin.end(), limit)
                yield Span(begin.start(), body.end(), "private_key", P_PRIVATE_KEY)
    if "PuTTY-User-Key-File-" in text:
        for m in _PUTTY.finditer(text):
            yield Span(m.start(), m.end(), "private_key", P_PRIVATE_KEY)


# --------------------------------------------------------------------------------------------
# Provider tokens (AWS, GitHub, Slack, Stripe, ...) and JWTs.
# --------------------------------------------------------------------------------------------
_TELEGRAM = re.compile(r":[0-9A-Za-z_-]{35}")  # detect-secrets: \d{8,10}:[0-9A-Za-z_-]{35}
_TOKEN_CHARS = _WORD | {"-"}


def _tokens_detector(tokens: tuple[_Token, ...], discord: re.Pattern[str]) -> Detector:
    def detect(scan: Text) -> Iterator[Span]:
        text, lower = scan.text, scan.lower
        for token in tokens:
            haystack = lower if token.lower else text
            if not any(hint in haystack for hint in token.hints):
                continue
            for m in token.regex.finditer(text):
                start, end = m.span(token.group)
                if start < 0 or not _left_ok(text, m.start(), token.left):
                    continue
                if token.extend is not None:
                    more = token.extend.match(text, end)
                    if more:
                        end = more.end()
                if token.right and not _right_ok(text, end, token.right):
                    continue
                yield Span(start, end, token.kind, P_PROVIDER)
        for m in discord.finditer(text):
            if _left_ok(text, m.start(), _TOKEN_CHARS) and _right_ok(text, m.end(), _TOKEN_CHARS):
                yield Span(m.start(), m.end(), "discord_token", P_PROVIDER)
        for m in _TELEGRAM.finditer(text):
            start = m.start()
            digits = start
            while digits > 0 and start - digits < 11 and text[digits - 1].isdigit():
                digits -= 1
            if (
                8 <= start - digits <= 10
                and _left_ok(text, digits, _WORD | {":"})
                and _right_ok(text, m.end(), _TOKEN_CHARS)
            ):
                yield Span(digits, m.end(), "telegram_token", P_PROVIDER)

    return detect


_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")


def _jwt_detector(valid: Callable[[str], bool]) -> Detector:
    def detect(scan: Text) -> Iterator[Span]:
        text = scan.text
        if "eyJ" not in text:
            return
        for m in _JWT.finditer(text):
            if _left_ok(text, m.start(), _TOKEN_CHARS) and valid(m.group()):
                yield Span(m.start(), m.end(), "jwt", P_JWT)

    return detect


# --------------------------------------------------------------------------------------------
# URLs with credentials: scheme://user:PASSWORD@host... -> only the password goes; user, host,
# port, database and query stay (they are what one troubleshoots). The password may contain
# a raw "@" (the last "@" before the host wins) but not "/" (must be %2F-encoded anyway).
# --------------------------------------------------------------------------------------------
_URL_CREDS = re.compile(
    r"://(?P<user>[^\s:/?#@'\"<>]{0,256}):(?P<pw>[^\s/'\"<>]{1,256})@(?=[\w\[])"
)
_JDBC_ORACLE = re.compile(r"(?i)jdbc:oracle:[a-z]+:(?P<user>[\w$#]+)/(?P<pw>[^\s@/'\"]+)@")


def _url_credentials(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "://" in text:
        for m in _URL_CREDS.finditer(text):
            if m.start() > 0 and text[m.start() - 1] in _ALNUM:  # a scheme before "://"
                yield Span(m.start("pw"), m.end("pw"), "password", P_URL)
    if "jdbc:oracle:" in scan.lower:
        for m in _JDBC_ORACLE.finditer(text):
            yield Span(m.start("pw"), m.end("pw"), "password", P_URL)


# --------------------------------------------------------------------------------------------
# HTTP headers: Authorization (the scheme word stays), Cookie / Set-Cookie, bare "Bearer <tok>".
# --------------------------------------------------------------------------------------------
_AUTH_REST = re.compile(
    r"(?i)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?P<scheme>bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key)"
    r"[ \t]+)?(?P<cred>[^\s\"']+)"
)
_REST_OF_VALUE = re.compile(r"[^\"'\r\n]{0,4096}")  # Digest/AWS4 credentials: key=value lists
_COOKIE_REST = re.compile(r"[\"']?[ \t]*:[ \t]*[\"']?(?P<v>[^\"'\r\n]{1,8192})")
_BEARER_REST = re.compile(r"[ \t]+(?P<v>[A-Za-z0-9\-._~+/]{12,}=*)")
_AUTH_SCHEME_KIND = {"bearer": "bearer_token", "basic": "basic_auth"}
_ONE_TOKEN_SCHEMES = frozenset({"bearer", "basic", "token", "apikey", "sso-key"})
_MULTI_PART_SCHEMES = frozenset({"digest", "negotiate", "ntlm", "aws4-hmac-sha256"})
_HEADER_VALUE = re.compile(
    r"[ \t]*(?:(?P<scheme>[A-Za-z][\w-]*)[ \t]+)?(?P<cred>\S.*?)[ \t]*", re.S
)
_HEADER_NAME_CHARS = _WORD | {"-"}


def _auth_credential(scheme: str, cred: str) -> str | None:
    """The part of an Authorization value to redact, or None if it is not a credential."""
    scheme = scheme.lower()
    if scheme in _ONE_TOKEN_SCHEMES or not scheme:
        cred = cred.split(None, 1)[0] if cred.strip() else ""
        if not scheme and (len(cred) < 8 or cred.isalpha() and cred.islower()):
            return None  # prose: "authorization: denied for user ..."
    cred = cred.rstrip(" \t,;")
    if not is_real_value(cred):
        return None
    return cred


def auth_header_span(value: str) -> Span | None:
    """The credential in an Authorization header value (``"Bearer abc"`` -> span of ``abc``);
    the scheme word stays. Used for ``{"Authorization": ...}`` in structured data."""
    m = _HEADER_VALUE.fullmatch(value)
    if not m:
        return None
    scheme, cred = m.group("scheme") or "", m.group("cred")
    if scheme.lower() not in _ONE_TOKEN_SCHEMES | _MULTI_PART_SCHEMES:
        scheme, cred = "", value.strip()  # not a scheme: the whole value is the credential
    found = _auth_credential(scheme, cred)
    if found is None:
        return None
    start = value.index(found)
    kind = _AUTH_SCHEME_KIND.get(scheme.lower(), "authorization")
    return Span(start, start + len(found), kind, P_HEADER)


def _header_name_ok(text: str, start: int, prefix: str) -> bool:
    """The header name at ``start`` is a whole word (optionally after ``prefix``, e.g. set-)."""
    if start >= len(prefix) and text[start - len(prefix) : start].lower() == prefix:
        start -= len(prefix)
    return _left_ok(text, start, _HEADER_NAME_CHARS)


def _headers(scan: Text) -> Iterator[Span]:
    text = scan.text
    covered = -1  # end of the last finding: a later header name inside it is part of its value
    for pos in scan.find_all("authorization"):
        if pos < covered or not _header_name_ok(text, pos, "proxy-"):
            continue
        m = _AUTH_REST.match(text, pos + len("authorization"))
        if not m:
            continue
        scheme = m.group("scheme") or ""
        cred = m.group("cred")
        if scheme.lower() in _MULTI_PART_SCHEMES:
            cred += _always_match(_REST_OF_VALUE, text, m.end("cred")).group()
        cred = _auth_credential(scheme, cred)
        if cred is not None:
            start = m.start("cred")
            kind = _AUTH_SCHEME_KIND.get(scheme.lower(), "authorization")
            covered = start + len(cred)
            yield Span(start, covered, kind, P_HEADER)
    covered = -1
    for pos in scan.find_all("cookie"):
        if pos < covered or not _header_name_ok(text, pos, "set-"):
            continue
        m = _COOKIE_REST.match(text, pos + len("cookie"))
        if m:
            value = m.group("v").rstrip(" \t")
            if "=" in value and is_real_value(value):
                covered = m.start("v") + len(value)
                yield Span(m.start("v"), covered, "cookie", P_HEADER)
    for pos in scan.find_all("bearer"):
        if not _left_ok(text, pos, _HEADER_NAME_CHARS):
            continue
        m = _BEARER_REST.match(text, pos + len("bearer"))
        if m:
            value = m.group("v")
            if any(c.isdigit() for c in value) and is_real_value(value):
                yield Span(m.start("v"), m.end("v"), "bearer_token", P_HEADER)


# --------------------------------------------------------------------------------------------
# Tool-specific command-line credentials (only in the tool's own command line, because "-p"
# is a port for docker run and "-u" a uid for docker; "--password" takes no value for psql).
# --------------------------------------------------------------------------------------------
_VAL = r"(?P<v>'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|[^\s'\"|;&<>]+)"
_MYSQL_P = re.compile(r"(?<=[ \t])-p(?![ \t\n])" + _VAL)
_DASH_P_SPACE = re.compile(r"(?<=[ \t])-p[ \t]+(?![-|;&<>])" + _VAL)
_SSHPASS_P = re.compile(r"(?<=[ \t])-p[ \t]*(?![-|;&<>])" + _VAL)
_REDIS_A = re.compile(r"(?<=[ \t])-a[ \t]+(?![-|;&<>])" + _VAL)
_REDIS_AUTH = re.compile(
    r"(?<![\w-])AUTH[ \t]+(?P<a>[^\s'\"]+)(?:[ \t]+(?P<b>[^\s'\"]+))?[ \t]*$", re.M
)
_CURL_USER = re.compile(
    r"(?<=[ \t])(?:-u|--user|--proxy-user|-U)(?:[ \t]+|=)?['\"]?(?P<user>[^\s:'\"]*):"
    r"(?P<v>[^\s'\"]+)"
)
_SQLPLUS = re.compile(r"(?<=[ \t])(?P<user>[\w$#]+)/(?P<v>[^\s@/'\"]+)(?=@|[ \t]|$)", re.M)
_LOGIN = re.compile(r"(?<![\w-])login(?![\w-])")
# name -> (whether the name may continue with letters: mysqldump, mongosh, ...)
_TOOLS = {
    "mysql": True,
    "mariadb": True,
    "mongo": True,
    "redis-cli": False,
    "sshpass": False,
    "curl": False,
    "sqlplus": False,
    "docker": False,
    "podman": False,
    "nerdctl": False,
    "buildah": False,
    "skopeo": False,
    "helm": False,
    "oras": False,
    "crane": False,
}
_LOGIN_TOOLS = frozenset(
    {"docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras", "crane"}
)
# Tools whose --password / -W flag takes NO value (it only forces a prompt).
_PROMPT_ONLY = re.compile(
    r"(?<![\w-])(?:psql|pg_dump|pg_dumpall|pg_restore|pg_basebackup|createdb|dropdb|createuser"
    r"|dropuser|vacuumdb|reindexdb|clusterdb|pgbench|mysql\w*|mariadb\w*)(?![\w-])"
)
_TOOL_LEFT = _KEY_CHARS  # "/usr/bin/mysql" is fine, "my-curl" is not


def _tool_flags(scan: Text) -> Iterator[Span]:
    text = scan.text
    for tool, open_ended in _TOOLS.items():
        done = -1  # end of the line already examined for this tool
        for pos in scan.find_all(tool):
            if pos < done:
                continue
            end = pos + len(tool)
            if not _left_ok(text, pos, _TOOL_LEFT):
                continue
            if open_ended:
                while end < len(text) and text[end].isalpha():
                    end += 1
            if not _right_ok(text, end, _WORD | {"-"}):
                continue
            done = _line_end(text, end)
            yield from _tool_line(text, tool, end, done)


def _tool_line(text: str, tool: str, start: int, end: int) -> Iterator[Span]:
    line = text[start:end]
    if tool in ("mysql", "mariadb"):
        patterns = [_MYSQL_P]
    elif tool == "mongo":
        patterns = [_DASH_P_SPACE]
    elif tool == "sshpass":
        patterns = [_SSHPASS_P]
    elif tool == "redis-cli":
        patterns = [_REDIS_A]
        for am in _REDIS_AUTH.finditer(line):
            group = "b" if am.group("b") else "a"
            if is_real_value(am.group(group)):
                yield Span(start + am.start(group), start + am.end(group), "password", P_TOOL)
    elif tool == "curl":
        patterns = [_CURL_USER]
    elif tool == "sqlplus":
        patterns = [_SQLPLUS]
    elif tool in _LOGIN_TOOLS and _LOGIN.search(line):  # docker/podman/helm registry login
        patterns = [_DASH_P_SPACE]
    else:
        return
    for pattern in patterns:
        for m in pattern.finditer(line):
            s, e = _unquote(line, *m.span("v"))
            if is_real_value(line[s:e]):
                yield Span(start + s, start + e, "password", P_TOOL)


# --------------------------------------------------------------------------------------------
# SQL (PASSWORD 'x', IDENTIFIED BY 'x'), redis.conf / CONFIG SET (requirepass x), openssl
# (-passin pass:x), .netrc (password x), .pgpass (host:port:db:user:password), docker
# config.json ("auth": "<base64 user:pass>"), redis-cli prompt (host:port> AUTH x),
# aws configure set aws_secret_access_key x (also the key id and the session token).
# --------------------------------------------------------------------------------------------
_SQL_REST = re.compile(r"(?i)(?:password|identified[ \t]+by)[ \t]+'(?P<v>(?:[^'\n]|''){0,512})'")
_REDIS_CONF_REST = re.compile(r"[ \t]+(?P<v>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)")
_REDIS_CONF_BEFORE = re.compile(r"(?i)[ \t]*(?:config[ \t]+set[ \t]+)?")
_OPENSSL_PASS = re.compile(r"-pass(?:in|out)?[ \t]+pass:(?P<v>[^\s'\"]+)")
_NETRC_INLINE = re.compile(r"(?im)^[ \t]*(?:machine|default)\b[^\n]*?[ \t]password[ \t]+(?P<v>\S+)")
_NETRC_LINE = re.compile(r"(?im)^[ \t]*password[ \t]+(?P<v>[^\s]+)[ \t]*$")
_NETRC_HINT = re.compile(r"(?m)^[ \t]*machine[ \t]+\S")
# .pgpass: host:port:database:user:password. Found from ":<port>:" (a literal start, fast);
# the host field is checked from the start of the line.
_PGPASS_REST = re.compile(r":(?:\d{1,5}|\*):[^:\s]+:[^:\s]+:(?P<v>\S+)[ \t]*$", re.M)
_PGPASS_HOST = re.compile(r"[A-Za-z*][\w.*-]*|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]")
_DOCKER_AUTH = re.compile(r"\"auth\"[ \t]*:[ \t]*\"(?P<v>[A-Za-z0-9+/]{8,}={0,2})\"")
# redis-cli's interactive prompt: "127.0.0.1:6379> AUTH [user] password"
_REDIS_PROMPT = re.compile(r"[ \t]*[\w.-]*:\d{2,5}(?:\[\d+\])?>[ \t]*")
_AUTH_ARGS = re.compile(r"[ \t]+(?P<a>[^\s'\"]+)(?:[ \t]+(?P<b>[^\s'\"]+))?[ \t]*$", re.M)
# aws configure set [--profile p] [profile.p.|default.]aws_secret_access_key VALUE
_AWS_CONFIGURE_SET = re.compile(
    r"(?i)configure[ \t]+set[ \t]+(?:--profile[ \t]+\S+[ \t]+)?(?:[\w-]+\.)*"
    r"(?P<key>aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)"
    r"[ \t]+" + _VAL
)


def _sql_and_config(scan: Text) -> Iterator[Span]:
    text, lower = scan.text, scan.lower
    if "'" in text:
        for word in ("password", "identified"):
            for pos in scan.find_all(word):
                m = _SQL_REST.match(text, pos) if _left_ok(text, pos, _WORD) else None
                if m and is_real_value(m.group("v")):
                    yield Span(m.start("v"), m.end("v"), "password", P_TOOL)
    for word in ("requirepass", "masterauth"):
        for pos in scan.find_all(word):
            before = text[_line_start(text, pos) : pos]
            if not _REDIS_CONF_BEFORE.fullmatch(before):
                continue
            m = _REDIS_CONF_REST.match(text, pos + len(word))
            if m:
                s, e = _unquote(text, *m.span("v"))
                if is_real_value(text[s:e]):
                    yield Span(s, e, "password", P_TOOL)
    if "pass:" in text:
        for m in _OPENSSL_PASS.finditer(text):
            if m.start() > 0 and text[m.start() - 1] in " \t":
                yield Span(m.start("v"), m.end("v"), "password", P_TOOL)
    if "machine" in lower and "password" in lower:
        for m in _NETRC_INLINE.finditer(text):
            if is_real_value(m.group("v")):
                yield Span(m.start("v"), m.end("v"), "password", P_TOOL)
        if _NETRC_HINT.search(text):
            for m in _NETRC_LINE.finditer(text):
                if is_real_value(m.group("v")):
                    yield Span(m.start("v"), m.end("v"), "password", P_TOOL)
    for m in _PGPASS_REST.finditer(text):
        host_ok = _PGPASS_HOST.fullmatch(text, _line_start(text, m.start()), m.start())
        if host_ok and is_real_value(m.group("v")):
            yield Span(m.start("v"), m.end("v"), "password", P_TOOL)
    if '"auth"' in text:
        for m in _DOCKER_AUTH.finditer(text):
            yield Span(m.start("v"), m.end("v"), "basic_auth", P_TOOL)
    for pos in scan.find_all("configure"):
        m = _AWS_CONFIGURE_SET.match(text, pos) if _left_ok(text, pos, _WORD) else None
        if m:
            s, e = _unquote(text, *m.span("v"))
            if is_real_value(text[s:e]):
                key = m.group("key").lower()
                kind = "aws_access_key" if key == "aws_access_key_id" else kind_for_key(key)
                yield Span(s, e, kind, P_TOOL)
    if ">" in text:
        for pos in scan.find_all("auth"):
            if not _REDIS_PROMPT.fullmatch(text, _line_start(text, pos), pos):
                continue
            if m := _AUTH_ARGS.match(text, pos + 4):
                group = "b" if m.group("b") else "a"
                if is_real_value(m.group(group)):
                    yield Span(m.start(group), m.end(group), "password", P_TOOL)


# --------------------------------------------------------------------------------------------
# Kubernetes Secret manifests: every value under data:/stringData: of a document (YAML, split
# on "---") or a JSON text that declares kind: Secret.
# --------------------------------------------------------------------------------------------
_K8S_KIND_YAML = re.compile(r"kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?$", re.M)
_K8S_KIND_BEFORE = re.compile(r"[ \t]*(?:-[ \t]+)?")
_K8S_KIND_JSON = re.compile(r"\"kind\"[ \t]*:[ \t]*\"Secret\"")
_DOC_SEP = re.compile(r"(?m)^---[ \t]*$|^\.\.\.[ \t]*$")
_YAML_DATA = re.compile(r"(?m)^(?P<lead>[ \t]*(?:-[ \t]+)?)(?:data|stringData):[ \t]*(?:#.*)?$")
_YAML_ENTRY = re.compile(
    r"(?P<indent>[ \t]*)(?P<key>[^\s:#][^:\n]*?|\"[^\"\n]*\"|'[^'\n]*')[ \t]*:"
    r"(?:[ \t]+(?P<v>.*?))?[ \t]*"
)
_YAML_BLOCK_INDICATOR = re.compile(r"[|>][-+0-9]*(?:[ \t]+#.*)?")
_JSON_DATA = re.compile(r"\"(?:data|stringData)\"[ \t]*:[ \t]*\{(?P<body>[^{}]*)\}")
_JSON_PAIR = re.compile(r"\"(?:[^\"\\]|\\.)*\"\s*:\s*\"(?P<v>(?:[^\"\\]|\\.)*)\"")


def _kubernetes_secrets(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "Secret" not in text:
        return
    if _K8S_KIND_JSON.search(text):
        for m in _JSON_DATA.finditer(text):
            base = m.start("body")
            for pm in _JSON_PAIR.finditer(m.group("body")):
                if pm.group("v"):
                    s, e = base + pm.start("v"), base + pm.end("v")
                    yield Span(s, e, "kubernetes_secret", P_K8S)
    kinds = [
        m.start()
        for m in _K8S_KIND_YAML.finditer(text)
        if _K8S_KIND_BEFORE.fullmatch(text, _line_start(text, m.start()), m.start())
    ]
    if not kinds:
        return
    bounds = [0, *(m.end() for m in _DOC_SEP.finditer(text)), len(text)]
    for doc_start, doc_end in zip(bounds, bounds[1:], strict=False):
        if not any(doc_start <= k < doc_end for k in kinds):
            continue
        for m in _YAML_DATA.finditer(text, doc_start, doc_end):
            yield from _yaml_block_values(text, m.end(), doc_end, len(m.group("lead")))


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _yaml_block_values(text: str, pos: int, limit: int, key_col: int) -> Iterator[Span]:
    """Values of the mapping that starts on the line after ``pos`` (indent > ``key_col``)."""
    child_indent: int | None = None
    current: list[int] | None = None  # [start, end] of the value being collected
    pos += 1  # past the newline
    while pos < limit:
        end = min(_line_end(text, pos), limit)
        line = text[pos:end]
        if not line.strip():
            pos = end + 1
            continue
        indent = _indent_of(line)
        if indent <= key_col:
            break
        if child_indent is None:
            child_indent = indent
        if indent > child_indent and current is not None:
            if current[0] == current[1]:  # first line of a block scalar: keep its indentation
                current[0] = pos + indent
            current[1] = end  # a block scalar line, or a continuation of a plain scalar
        elif indent == child_indent:
            if current is not None and current[1] > current[0]:
                yield Span(current[0], current[1], "kubernetes_secret", P_K8S)
            current = None
            m = _YAML_ENTRY.fullmatch(line)
            if m and m.group("v"):
                if _YAML_BLOCK_INDICATOR.fullmatch(m.group("v")):
                    current = [end + 1, end + 1]  # the block's lines follow
                else:
                    s, e = _unquote(text, pos + m.start("v"), pos + m.end("v"))
                    current = [s, e]
        else:
            break
        pos = end + 1
    if current is not None and current[1] > current[0]:
        yield Span(current[0], current[1], "kubernetes_secret", P_K8S)


# --------------------------------------------------------------------------------------------
# Assignments under secret-sounding keys: KEY=VALUE (env files, export, logfmt, --flag=value,
# --set a.password=x, --from-literal=password=x), key: value (YAML, headers), "key": "value"
# (JSON, also escaped JSON-in-JSON), --flag VALUE, <password>x</password>, and Kubernetes env
# entries (name: DB_PASSWORD / value: x). Matched only at the start of a key-like run that
# contains a hint word (Text.key_starts), never by scanning every position.
# --------------------------------------------------------------------------------------------
_VALUE = (
    r"(?P<val>\\\"(?:[^\"\\\n]|\\[^\"\n])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|`[^`\n]*`"
    r"|[^\s'\"`,;&]+)"
)
# What follows a secret-sounding key (matched at the end of the key run).
_AFTER_KEY = re.compile(r"(?P<kq>\\?[\"'`]?\]?)[ \t]*(?P<sep>:=|=>|=(?!=)|:(?!:))[ \t]*" + _VALUE)
_AFTER_FLAG = re.compile(
    r"[ \t]+(?P<val>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|(?![-|;&<>\\#])[^\s'\"`;&|<>]+)"
)
_XML = re.compile(rf"(?i)<(?P<key>{KEY_PATTERN})>(?P<val>[^<\n]+)</(?P=key)>")
_ENV_YAML_BEFORE = re.compile(r"[ \t]*(?:-[ \t]+)?name:[ \t]*[\"']?")
_ENV_YAML_AFTER = re.compile(
    r"[\"']?[ \t]*\r?\n[ \t]*value:[ \t]*"
    r"(?P<val>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s#][^\n]*?)[ \t]*$",
    re.M,
)
_ENV_JSON_BEFORE = re.compile(r"\"name\"[ \t]*:[ \t]*\"$")
_ENV_JSON_AFTER = re.compile(r"\"[ \t]*,\s*\"value\"[ \t]*:[ \t]*(?P<val>\"(?:[^\"\\\n]|\\.)*\")")
_PROSE_WORD = re.compile(r"[a-z]+|\d+")


def _assignments(scan: Text) -> Iterator[Span]:
    text = scan.text
    for start, end in scan.key_runs():
        key = text[start:end]
        kind = kind_for_key(key)
        if (
            text[max(0, start - 10) : start] == "[REDACTED:"
            or text[max(0, start - 2) : start] == "//"
        ):
            continue  # a placeholder's type, or the user of a URL (https://token:x@host)
        if key.startswith("-"):
            if key.lstrip("-").lower().startswith("no-"):
                continue  # --no-password
            if m := _AFTER_KEY.match(text, end):
                if (span := _assignment_value(text, m, kind)) is not None:
                    yield span
            elif not _right_ok(text, end, frozenset("=:")) or not (
                m := _AFTER_FLAG.match(text, end)
            ):
                continue
            elif kind == "password" and _PROMPT_ONLY.search(text, _line_start(text, start), start):
                continue  # psql --password / mysql --password only prompt: next word is not it
            else:
                s, e = _unquote(text, *m.span("val"))
                if is_real_value(text[s:e]):
                    yield Span(s, e, kind, P_KEYWORD)
            continue
        m = _AFTER_KEY.match(text, end)
        if m and (span := _assignment_value(text, m, kind)) is not None:
            yield span
        yield from _env_entry(text, start, end, kind)
    if "</" in text:
        for m in _XML.finditer(text):
            if is_real_value(m.group("val")):
                yield Span(m.start("val"), m.end("val"), kind_for_key(m.group("key")), P_KEYWORD)


def _assignment_value(text: str, m: re.Match[str], kind: str) -> Span | None:
    start, end = m.span("val")
    if text[start] in "\"'`\\":
        start, end = _unquote(text, start, end)
    else:
        end = _trim_unbalanced(text, start, end)
        if m.group("sep") == ":" and _PROSE_WORD.fullmatch(text[start:end]):
            # "token: invalid signature", "password:  16 bytes" (kubectl describe secret)
            rest = text[end : end + 64].split("\n", 1)[0].lstrip(" \t")
            if rest and not rest.startswith("#"):
                return None
    if not is_real_value(text[start:end]):
        return None
    return Span(start, end, kind, P_KEYWORD)


def _env_entry(text: str, start: int, end: int, kind: str) -> Iterator[Span]:
    """Kubernetes env entries: name: DB_PASSWORD + value: x (YAML), or the JSON form."""
    if start >= 1 and text[start - 1] == '"':
        if _ENV_JSON_BEFORE.search(text, max(0, start - 40), start):
            m = _ENV_JSON_AFTER.match(text, end)
        else:
            return
    elif _ENV_YAML_BEFORE.fullmatch(text, _line_start(text, start), start):
        m = _ENV_YAML_AFTER.match(text, end)
    else:
        return
    if m:
        s, e = _unquote(text, *m.span("val"))
        if is_real_value(text[s:e]):
            yield Span(s, e, kind, P_KEYWORD)


# --------------------------------------------------------------------------------------------
# Passwords said in prose: "my password is hunter2", "the password was 'correct horse'", "the
# root password for db-1 is x", "password changed to x", "reset the password to x", "log in
# with password x". The key is a secret-sounding word (Text.key_runs); an unquoted value counts
# only if it does not read as a word of the sentence (see _phrase_value).
# --------------------------------------------------------------------------------------------
_PHRASE_VALUE = r"[ \t]+(?P<val>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|`[^`\n]{1,256}`|[^\s'\"`]+)"
_PHRASE_VERB = re.compile(
    r"(?i)(?:[ \t]+(?:for|of|on)[ \t]+(?:the[ \t]+)?[\w.@:/-]+(?:[ \t]+[\w.@:/-]+)?)?"
    r"[ \t]+(?:(?:is|was|are|were|will[ \t]+be|has[ \t]+been|had[ \t]+been|should[ \t]+be)"
    r"(?:[ \t]+(?:now|still|just|currently|actually|also))?"
    r"(?:[ \t]+(?:set|changed|reset|updated)[ \t]+to)?[ \t]*:?"
    r"|(?:set|changed|reset|updated)[ \t]+to)" + _PHRASE_VALUE
)
_PHRASE_TO = re.compile(r"(?i)[ \t]+to" + _PHRASE_VALUE)
_PHRASE_SET_BEFORE = re.compile(r"(?i)\b(?:set|change|changed|reset|update|updated)\b")
_PHRASE_WITH = re.compile(r"(?i)\b(?:with|using|use|try|tried)[ \t]+(?:the[ \t]+)?(?:\w+[ \t]+)?$")
_PHRASE_BARE = re.compile(_PHRASE_VALUE)
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]*|[A-Z]+|\d+(?:[.,]\d+)?(?:[A-Za-z]{1,3}|%)")
_SENTENCE_END = ".,;:?)"


def _password_phrases(scan: Text) -> Iterator[Span]:
    text = scan.text
    for start, end in scan.key_runs():
        if text[start] == "-" or text[max(0, start - 10) : start] == "[REDACTED:":
            continue
        kind = kind_for_key(text[start:end])
        m = _PHRASE_VERB.match(text, end)
        if m is None:
            line_start = _line_start(text, start, 48)
            if _PHRASE_SET_BEFORE.search(text, line_start, start):
                m = _PHRASE_TO.match(text, end)  # "reset the password to x"
            elif _PHRASE_WITH.search(text, line_start, start):
                m = _PHRASE_BARE.match(text, end)  # "log in with password x"
        if m is not None and (span := _phrase_value(text, m, kind)) is not None:
            yield span


def _phrase_value(text: str, m: re.Match[str], kind: str) -> Span | None:
    start, end = m.span("val")
    if text[start] in "\"'`":
        start, end = start + 1, end - 1
    else:
        while end > start and text[end - 1] in _SENTENCE_END:
            end -= 1
        value = text[start:end]
        if _PLAIN_WORD.fullmatch(value):
            return None  # "is wrong", "was Changed", "is NULL", "is 16MB"
        if value.isdigit() and _next_word(text, end):
            return None  # "is 16 characters long"
    if end <= start or not is_real_value(text[start:end]):
        return None
    return Span(start, end, kind, P_KEYWORD)


def _next_word(text: str, pos: int) -> bool:
    rest = text[pos : pos + 32].lstrip(" \t")
    return bool(rest) and rest[0].isalpha()


# --------------------------------------------------------------------------------------------
# Generic high-entropy values in an assignment whose key does not sound secret
# (SOME_VAR=Zq3v...): detect-secrets' Base64 entropy (above its default limit, 4.5) on values
# of 20+ chars with upper case, lower case and digits. Pure hex is never taken here: it is far
# more often a git SHA, an image digest, a trace id or a checksum than a secret.
# --------------------------------------------------------------------------------------------
_GENERIC_EQ = re.compile(r"=[ \t]*(?P<q>[\"']?)(?P<val>[A-Za-z0-9+/_-]{20,}={0,2})(?P=q)")
_GENERIC_COLON = re.compile(r":[ \t]*(?P<q>[\"']?)(?P<val>[A-Za-z0-9+/_-]{20,}={0,2})(?P=q)")
_GENERIC_KEY = re.compile(r"(?<![\w.])(?P<key>[A-Za-z_][\w.-]{0,63})[\"']?[ \t]*$")
_GENERIC_AFTER = frozenset(string.ascii_letters + string.digits + "_+/=.:@-")
_BENIGN_KEY = re.compile(
    r"(?i:id)$|Id|(?i:(?:^|[_.-])id(?:[_.-]|$)|uid|uuid|guid|hash|digest|sha\d*|checksum|md5"
    r"|integrity|etag|commit|rev|version|image|ref$"
    r"|trace|span|request|correlation|nonce|cert|crt|^ca|ca$|bundle|fingerprint|thumbprint"
    r"|name|path|url|uri|host|file|dir|selector|label|continue|cursor)"
)


_HAS_UPPER = re.compile(r"[A-Z]").search
_HAS_LOWER = re.compile(r"[a-z]").search
_HAS_DIGIT = re.compile(r"[0-9]").search
_ALL_HEX = re.compile(r"[0-9A-Fa-f]+").fullmatch


def shannon_entropy(value: str) -> float:
    """Shannon entropy in bits per character (detect-secrets' formula, for values made only of
    characters of its base64 alphabet)."""
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in Counter(value).values())


def _random_enough(value: str, limit: float) -> bool:
    """Upper case, lower case and digits, not pure hex, and Shannon entropy above ``limit``.
    The case and digit rule also drops pure hex of one case (SHAs, digests, trace ids)."""
    return (
        bool(_HAS_UPPER(value) and _HAS_LOWER(value) and _HAS_DIGIT(value))
        and not _ALL_HEX(value)
        and shannon_entropy(value) > limit
    )


def _generic_detector(limit: float) -> Detector:
    def detect(scan: Text) -> Iterator[Span]:
        text = scan.text
        for regex in (_GENERIC_EQ, _GENERIC_COLON):
            for m in regex.finditer(text):
                value = m.group("val")
                if not _right_ok(text, m.end(), _GENERIC_AFTER):
                    continue
                if len(value) > _BARE_MAX or not _random_enough(value, limit):
                    continue
                if _decodes_to_text(value):
                    continue
                key = _GENERIC_KEY.search(text, max(0, m.start() - 80), m.start())
                if key is None or _BENIGN_KEY.search(key.group("key")):
                    continue
                yield Span(m.start("val"), m.end("val"), "secret", P_GENERIC)

    return detect


# --------------------------------------------------------------------------------------------
# Bare high-entropy tokens: a random-looking value with no key, prefix or header next to it
# (an AWS secret access key pasted as command output). The rule, and what it was measured on,
# is in the package docstring ("bare secrets"). Long runs of token characters are found with
# bytes.translate + bytes.find (~3 ms per MB; a regex on a character class costs ~12).
# --------------------------------------------------------------------------------------------
_BARE_MIN = 32
_BARE_MAX = 1024
_TOKEN_BYTES = (string.ascii_letters + string.digits + "+/_-").encode()
_RUN_TABLE = bytes(0x61 if byte in _TOKEN_BYTES else 0x20 for byte in range(256))  # "a" / " "
_RUN = b"a" * _BARE_MIN
# Glued to a path, a URL, a host, an e-mail address or an assignment on the left.
_BARE_LEFT = frozenset(".:/@%\\~=&?#$")
_BARE_RIGHT = _ALNUM | {"=", "@", "/", "+", "_", "-"}
_HEX_GROUPS = re.compile(r"[0-9A-Fa-f]+(?:[-_][0-9A-Fa-f]+)*").fullmatch  # UUIDs, hex ids
_HASH_PREFIX = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5)-")  # SRI: sha512-<base64>
# A part of a path or a name between / - _: a lower-case word or CamelCase words.
_WORD_PART = re.compile(
    r"[a-z]{4,}[0-9]*|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})+[0-9]*|[A-Z][a-z]{3,}[0-9]*"
)
_LONG_WORD = re.compile(r"[a-z]{8,}[0-9]*")  # one is enough: ppc32g_dirtyhelper_MFSPR_268
_WORD_RUN = re.compile(r"[A-Z]?[a-z]{3,}")
_WORDY = 0.6  # share of a CamelCase name in word runs; random base64: 0.16 median, 0.6 at p99.9
_BARE_MARGIN = 0.9
_BLOCK_WIDTH = 60  # wrapped base64 (PEM, PGP, MIME, core dumps): 60, 64 or 76 per line
_BLOCK_QUOTES = " \t\r\"'"
# The next line of a block: base64 up to its end (or a closing quote or tag).
_BLOCK_HEAD = re.compile(r"[ \t\"']*[A-Za-z0-9+/]+={0,2}(?:[\"'<]|[ \t\r]*$)")
_BLOCK_TAIL = re.compile(r"(?<![A-Za-z0-9+/_.:-])[A-Za-z0-9+/]+$")


def _bare_detector(limit: float, sequential: Callable[[str], bool]) -> Detector:
    def detect(scan: Text) -> Iterator[Span]:
        text = scan.text
        for start, end in _long_runs(text):
            if text.startswith("=", end):  # base64 padding
                end += 2 if text.startswith("==", end) else 1
            if end - start > _BARE_MAX + 2 or not _right_ok(text, end, _BARE_RIGHT):
                continue  # longer: a blob, not one secret
            if text[end : end + 1] in (".", ":") and text[end + 1 : end + 2] in _ALNUM:
                continue  # name.ext, host.domain, user:password (the URL detector's)
            if start > 0 and text[start - 1] in _BARE_LEFT:
                continue
            if text[max(0, start - 7) : start] == "base64,":
                continue  # a data: URI (an inline image)
            value = text[start:end]
            if not _random_enough(value, _bare_limit(limit, len(value))) or _HEX_GROUPS(value):
                continue
            if _HASH_PREFIX.match(value) or _looks_like_words(value) or sequential(value):
                continue
            if _assigned(text, start) or _decodes_to_text(value):
                continue
            if _in_wrapped_block(text, start, end):
                continue
            yield Span(start, end, "secret", P_BARE)

    return detect


def _long_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of at least 32 base64/base64url characters. Each character
    becomes one byte (non-ASCII ones "?"), so offsets are the text's."""
    data = (text.encode() if text.isascii() else text.encode("ascii", "replace")).translate(
        _RUN_TABLE
    )
    start = data.find(_RUN)
    while start >= 0:
        end = data.find(b" ", start + _BARE_MIN)
        if end < 0:
            end = len(data)
        yield start, end
        start = data.find(_RUN, end)


def _looks_like_words(value: str) -> bool:
    """A path or a name: parts between ``/``, ``-``, ``_`` of which two are words (or one a
    long word), or CamelCase words covering most of it (``ITestS3AEncryptionSSEKMSDefaultKey``).
    """
    if any(sep in value for sep in "/-_"):
        parts = re.split(r"[/_-]+", value)
        if sum(1 for part in parts if _WORD_PART.fullmatch(part)) >= 2 or any(
            _LONG_WORD.fullmatch(part) for part in parts
        ):
            return True
    return sum(m.end() - m.start() for m in _WORD_RUN.finditer(value)) >= _WORDY * len(value)


def _bare_limit(limit: float, length: int) -> float:
    """The entropy a bare token must exceed: detect-secrets' base64 limit (4.5) from 40
    characters on, lower for shorter ones (an n-character string has at most log2(n) bits per
    character: 5.0 at 32, where random alphanumerics have a median of 4.54)."""
    return min(limit, math.log2(length) - _BARE_MARGIN)


def _assigned(text: str, start: int) -> bool:
    """The value of ``key: value`` / ``key=value``: the generic detector decides (by its key)."""
    i = start
    while i > 0 and text[i - 1] in " \t\"'`":
        i -= 1
    return i > 0 and text[i - 1] in ":="


def _decodes_to_text(value: str) -> bool:
    """Base64 of readable text (JSON, a log line): encoded data, not a random secret, which
    decodes to random bytes."""
    raw = value.rstrip("=").replace("-", "+").replace("_", "/")
    if len(raw) % 4 == 1:
        return False
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in decoded)


def _in_wrapped_block(text: str, start: int, end: int) -> bool:
    """The token is one line of base64 wrapped at a fixed width (a certificate, a PGP public
    key, an XML signature, a MIME part): it ends its line, is at least as wide as a wrapped
    line and the next line goes on in base64; or it starts its line and the line before ends
    with such a wrapped line. Padding (``=``) only ends a blob, so two keys on consecutive
    lines (an Azure key ends with ``==``) are not one block."""
    line_start = _line_start(text, start, _BARE_MAX + 64)
    line_end = _line_end(text, end)
    if (
        end - start >= _BLOCK_WIDTH
        and text[end - 1] != "="
        and not text[end:line_end].strip(_BLOCK_QUOTES)
        and _BLOCK_HEAD.match(text[line_end + 1 : _line_end(text, line_end + 1)])
    ):
        return True
    if line_start == 0 or text[line_start:start].strip(_BLOCK_QUOTES):
        return False
    before = text[_line_start(text, line_start - 1, _BARE_MAX + 64) : line_start - 1]
    tail = _BLOCK_TAIL.search(before.rstrip(_BLOCK_QUOTES))
    return (
        tail is not None
        and len(tail.group()) >= max(end - start, _BLOCK_WIDTH)
        and _random_enough(tail.group(), 0.0)  # not a rule of dashes, not a hex digest
    )


# --------------------------------------------------------------------------------------------
# Personal data.
# --------------------------------------------------------------------------------------------
_EMAIL_DOMAIN = re.compile(
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?P<tld>[A-Za-z]{2,24}))"
    r"(?![\w-]|\.[A-Za-z0-9])"
)
_EMAIL_LOCAL_CHARS = _ALNUM | set("._%+-")
# systemd unit names look like addresses: getty@tty1.service, user@1000.service
_NOT_TLD = frozenset(
    {"service", "socket", "target", "timer", "mount", "automount", "slice", "scope", "path"}
    | {"device", "swap"}
)


def _emails(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "@" not in text:
        return
    for m in _EMAIL_DOMAIN.finditer(text):
        start = m.start()
        while start > 0 and m.start() - start < 64 and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        while start < m.start() and text[start] not in _ALNUM:  # must start alphanumeric
            start += 1
        if start == m.start() or (start > 0 and text[start - 1] in _EMAIL_LOCAL_CHARS):
            continue
        local = text[start : m.start()]
        if local.lower() == "git" or m.group("tld").lower() in _NOT_TLD:
            continue  # git@github.com:org/repo.git is an SSH remote, not an address
        if text[max(0, start - 3) : start] == "://":
            continue  # https://user@host: a URL user, not an e-mail address
        yield Span(start, m.end(), "email", P_PERSONAL)


# IPv4: found from its first dot (a literal, fast), the first octet is read backwards.
_IPV4_TAIL = re.compile(r"\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(?P<prefix>\d{1,2}))?")
# IPv6: compressed forms from their "::" (str.find), full forms from a ":" followed by seven
# groups (the regex fails fast on timestamps); the part before is read backwards.
_IPV6_AFTER_DCOLON = re.compile(
    r"::[0-9A-Fa-f:]*(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.-]+)?(?:/(?P<prefix>\d{1,3}))?"
)
_IPV6_FULL = re.compile(r":[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){6}(?:/(?P<prefix>\d{1,3}))?")
_VERSION_BEFORE = re.compile(r"(?i)(?:version|ver|release|build|v)[ \t]*[:=]?[ \t]*$")
_METADATA_IP = ipaddress.IPv4Address("169.254.169.254")
_IP_LEFT = _WORD | {"."}
_IPV6_EDGE = _WORD | {":", "."}
_IPV6_CHARS = _HEX | {":"}


def _keep_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: str | None) -> bool:
    """Addresses that identify no one: loopback, unspecified, multicast, reserved, netmasks,
    the cloud metadata endpoint, and network addresses in CIDR notation (10.244.0.0/16)."""
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        return True
    if isinstance(ip, ipaddress.IPv4Address) and (
        ip.is_reserved or ip.packed[0] in (0, 255) or ip == _METADATA_IP
    ):
        return True
    if prefix is not None:
        try:
            net = ipaddress.ip_network(f"{ip}/{prefix}", strict=True)
        except ValueError:
            return False
        return net.num_addresses > 1
    return False


def _octet_ok(octet: str) -> bool:
    return (octet == "0" or octet[0] != "0") and int(octet) <= 255


def _ips(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "." in text:
        yield from _ipv4s(text)
    if "::" in text or text.count(":") >= 7:
        yield from _ipv6s(text)


def _ipv4s(text: str) -> Iterator[Span]:
    for m in _IPV4_TAIL.finditer(text):
        dot = m.start()
        start = dot
        while start > 0 and dot - start < 4 and text[start - 1].isdigit():
            start -= 1
        if not 1 <= dot - start <= 3 or not _left_ok(text, start, _IP_LEFT):
            continue
        end = m.end(3)
        if not _right_ok(text, end, _WORD | {"-"}):
            continue
        if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
            continue  # 1.2.3.4.5: an OID or a version, not an address
        octets = [text[start:dot], *m.group(1, 2, 3)]
        if not all(_octet_ok(o) for o in octets):
            continue
        ip = ipaddress.IPv4Address(".".join(octets))
        if _keep_ip(ip, m.group("prefix")):
            continue
        if _VERSION_BEFORE.search(text, max(0, start - 12), start):
            continue  # "version 1.2.3.4", "v1.2.3.4" is excluded by the left boundary already
        yield Span(start, end, "ip", P_PERSONAL)


def _ipv6s(text: str) -> Iterator[Span]:
    seen = -1
    for m in _IPV6_FULL.finditer(text):
        yield from _ipv6_candidate(text, m.start(), m)
    i = text.find("::")
    while i >= 0:
        if i >= seen:
            after = _IPV6_AFTER_DCOLON.match(text, i)
            if after:
                seen = after.end()
                yield from _ipv6_candidate(text, i, after)
        i = text.find("::", i + 2)


def _ipv6_candidate(text: str, first: int, m: re.Match[str]) -> Iterator[Span]:
    start = first
    while start > 0 and first - start < 40 and text[start - 1] in _IPV6_CHARS:
        start -= 1
    if not _left_ok(text, start, _IPV6_EDGE):
        return
    raw = text[start : m.end()]
    prefix = m.group("prefix")
    if prefix is not None:
        raw = raw[: -len(prefix) - 1]
    raw = raw.split("%", 1)[0]
    if not _right_ok(text, m.end(), _IPV6_EDGE) or raw.count(":") < 2:
        return
    groups = raw.split(":")
    if "::" not in raw and all(len(g) == 2 for g in groups):
        return  # 04:00:00:00:00:01:15:4b is a byte string (serial, fingerprint)
    if "::" in raw and max(len(g) for g in groups) < 3:
        return  # x[1::2], a::b: slicing or code; real compressed addresses have a longer group
    letters = [c for c in raw if c.isalpha()]
    if any(c.isupper() for c in letters) and any(c.islower() for c in letters):
        return  # Abc::Def is a code path, not an address
    try:
        ip = ipaddress.IPv6Address(raw)
    except ValueError:
        return
    if not _keep_ip(ip, prefix):
        yield Span(start, start + len(raw), "ip", P_PERSONAL)


_PHONE_INTL = re.compile(r"\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,6}")
# North-American forms, found from a literal: 555-123-4567, 555.123.4567, (555) 123-4567
_PHONE_NANP = (
    (re.compile(r"-\d{3}-\d{4}"), 3),
    (re.compile(r"\.\d{3}\.\d{4}"), 3),
    (re.compile(r"\)[ ]?\d{3}[-. ]\d{4}"), 4),
)
_PHONE_EDGE = _WORD | {"+", ".", "-"}


def _phones(scan: Text) -> Iterator[Span]:
    text = scan.text
    if "+" in text:
        for m in _PHONE_INTL.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            if not 10 <= digits <= 15 or not _left_ok(text, m.start(), _WORD | {"+"}):
                continue
            if _phone_end_ok(text, m.end()):
                yield Span(m.start(), m.end(), "phone", P_PERSONAL)
    for regex, back in _PHONE_NANP:
        for m in regex.finditer(text):
            start = m.start() - back
            head = text[max(0, start) : m.start()]
            ok = head.isdigit() if back == 3 else (head[:1] == "(" and head[1:].isdigit())
            if start < 0 or not ok or not _left_ok(text, start, _PHONE_EDGE):
                continue
            if _phone_end_ok(text, m.end()):
                yield Span(start, m.end(), "phone", P_PERSONAL)


def _phone_end_ok(text: str, end: int) -> bool:
    if not _right_ok(text, end, _WORD | {"-"}):
        return False
    return not (text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit())
