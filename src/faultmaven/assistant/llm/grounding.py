"""Is LLM-written text grounded in the case? Find commands, versions and numbers the case does
not contain.

The heuristic (deliberately strict: a false alarm only costs the LLM's wording, because the
caller then keeps the deterministic draft; a miss would put an invented command in a runbook):

- **Commands.** A command is (1) every inline code span and every line of a fenced code block
  (the writer is told to backtick commands); (2) a whole string that starts with a known CLI
  program (``kubectl ...``, ``sudo systemctl ...``), as in a rollback or validation list; and
  (3) in prose, a known program followed by its arguments up to the end of the clause (a comma,
  semicolon, full stop, or a word such as "to", "and", "then") when that is 3+ words or has a
  CLI-looking argument (``-n``, a path, ``key=value``, an UPPERCASE verb). "Use kubectl to
  check" is a mention, not a command. A command is grounded when its whitespace-normalised text
  occurs verbatim in the case text. Known programs are a list of common operations tools plus
  the first word of every command recorded in the case.
- **Versions**: ``v1.2``, ``7.0.11``, ``10.0.0.1`` (a ``v`` prefix or two or more dots) must
  occur as a version token in the case.
- **Numbers**: every other number. With a unit (``5MB``, ``10 mins``, ``80%``, ``2.1Gi``) the
  same number with the same unit must occur in the case (units are normalised: mins/minutes,
  Gi/GiB/GB, ...). A bare number must occur as a number in the case. Digits inside identifiers
  (``redis-0``, ``k8s``, ``sha256``, ``m5.2xlarge``) are not numbers. ISO timestamps are split
  into date and time first, so "14:30" is grounded by ``2025-10-05T14:30:00Z``.

The case text is every string of the case record (and of the deterministic draft, which is
derived from it) joined together.

Text that must come from the case as a whole (a gap the LLM filled, a line it mapped out of a
post-mortem) is checked by :func:`untraceable`: at least 80% of its words (3+ letters, stop
words aside, compared by their first 6 letters so that "restarted" traces to "restarting") must
be words of the case text (and, like all written text, its commands and numbers grounded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

ClaimKind = Literal["command", "version", "number", "text"]

KNOWN_PROGRAMS = frozenset(
    """
    kubectl helm oc kubeadm minikube crictl ctr istioctl k9s kustomize
    docker docker-compose podman nerdctl
    systemctl journalctl service sudo dmesg sysctl ulimit lsof strace ltrace
    df du ps pgrep pkill killall kill free vmstat iostat sar mpstat htop
    redis-cli redis-server psql pg_dump pg_restore pg_ctl pg_ctlcluster pg_isready
    mysql mysqladmin mysqldump mongosh mongo mongodump cqlsh nodetool
    kafka-topics kafka-topics.sh kafka-consumer-groups kafka-consumer-groups.sh etcdctl
    curl wget dig nslookup ping traceroute tcpdump netstat ss nc telnet openssl ssh scp rsync
    iptables nft ufw firewall-cmd ifconfig ethtool
    aws gcloud gsutil az terraform ansible ansible-playbook vault consul nomad
    apt apt-get yum dnf rpm dpkg pip pip3 npm yarn git make
    grep egrep awk sed tail head cat less find xargs tar gzip zcat chmod chown rm mv cp ln
    mkdir touch truncate logrotate crontab mount umount lsblk blkid fdisk resize2fs
    xfs_growfs nginx apachectl haproxy envoy java jcmd jstack jmap jstat python python3
    node go cargo
    """.split()  # noqa: SIM905 - a word list reads better than 150 quoted strings
)
_STOP_WORDS = frozenset(
    """
    to and or then that which for if when until so because with as it its this these
    the a an is are was were be of by after before while again once
    """.split()  # noqa: SIM905
)
_CLAUSE_END = ".,;:!?)"
_PROGRAM_NAME = re.compile(r"[a-z][a-z0-9._-]*")
_CODE_BLOCK = re.compile(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")
_ZULU = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)Z\b")
_NUMBER = re.compile(
    r"(?<![\w.])(?<![A-Za-z_]-)(?P<v>[vV](?=\d))?(?P<num>\d+(?:\.\d+)*)"
    r"(?P<space>[ \t]?)(?P<unit>%|[A-Za-z]+(?:/s)?(?![\w.]))?"
)
_UNITS = {
    **dict.fromkeys(["%", "percent", "pct"], "%"),
    **dict.fromkeys(["ms", "msec", "msecs", "millisecond", "milliseconds"], "ms"),
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds"], "s"),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], "min"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "h"),
    **dict.fromkeys(["d", "day", "days"], "d"),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], "w"),
    **dict.fromkeys(["b", "byte", "bytes"], "b"),
    **dict.fromkeys(["k", "kb", "ki", "kib"], "kb"),
    **dict.fromkeys(["mb", "mi", "mib"], "mb"),
    **dict.fromkeys(["g", "gb", "gi", "gib"], "gb"),
    **dict.fromkeys(["t", "tb", "ti", "tib"], "tb"),
    **dict.fromkeys(["m"], "m"),  # milli-cores or minutes: kept as written
    **dict.fromkeys(["x"], "x"),
    **dict.fromkeys(["core", "cores", "cpu", "cpus", "vcpu", "vcpus"], "cpu"),
    **dict.fromkeys(["rps", "req/s", "qps"], "rps"),
}


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    text: str
    field: str  # where it was found, e.g. "solution.rollback[0]"


# ---- the case text ----------------------------------------------------------------------------


class CaseText:
    """Everything the case says, indexed for the three checks."""

    def __init__(self, strings: Iterable[str]) -> None:
        texts = [_prepare(s) for s in strings if s]
        self.text = "\n".join(_normalise(t) for t in texts)
        self.numbers: set[str] = set()
        self.quantities: set[tuple[str, str]] = set()
        self.versions: set[str] = set()
        self.programs = set(KNOWN_PROGRAMS)
        self.words = {word for text in texts for word in _words(text)}
        for text in texts:
            for kind, value, unit in _numbers(text):
                (self.versions if kind == "version" else self.numbers).add(value)
                if unit:
                    self.quantities.add((value, unit))

    @classmethod
    def of(cls, *models: BaseModel, commands: Iterable[str] = ()) -> CaseText:
        corpus = cls(text for model in models for _, text in strings_of(model))
        corpus.learn_programs(commands)
        return corpus

    def learn_programs(self, commands: Iterable[str]) -> None:
        """The first word of each recorded command counts as a program (see module doc)."""
        for command in commands:
            words = command.split()
            if words and words[0] == "sudo":
                words = words[1:]
            if words and _PROGRAM_NAME.fullmatch(words[0]):
                self.programs.add(words[0])

    def grounded(self, claim: Claim) -> bool:
        if claim.kind == "command":
            return _normalise(claim.text) in self.text
        if claim.kind == "version":
            return claim.text in self.versions or claim.text in self.numbers
        value, _, unit = claim.text.partition(" ")
        if unit:
            return (value, unit) in self.quantities
        return value in self.numbers or value in self.versions


def strings_of(model: BaseModel) -> Iterator[tuple[str, str]]:
    """``(field path, string)`` for every string in the model, JSON-dumped."""
    yield from _walk(model.model_dump(mode="json"), "")


def _walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


# ---- claims in written text -------------------------------------------------------------------


def ungrounded(fields: Iterable[tuple[str, str]], corpus: CaseText) -> list[Claim]:
    """Every command, version and number in ``fields`` that the case does not contain."""
    return [
        claim
        for path, text in fields
        for claim in claims(text, path, corpus.programs)
        if not corpus.grounded(claim)
    ]


TRACEABLE_SHARE = 0.8
_WORD = re.compile(r"[^\W\d_]{3,}")


def _words(text: str) -> list[str]:
    return [w[:6] for w in _WORD.findall(text.casefold()) if w not in _STOP_WORDS]


def untraceable(
    fields: Iterable[tuple[str, str]], corpus: CaseText, *, share: float = TRACEABLE_SHARE
) -> list[Claim]:
    """Each string of ``fields`` that does not come from the case: fewer than ``share`` of its
    words occur in it (a ``text`` claim). Check its commands and numbers with ``ungrounded``."""
    found: list[Claim] = []
    for path, text in fields:
        words = _words(text)
        if words and sum(word in corpus.words for word in words) < share * len(words):
            shown = text if len(text) <= 80 else text[:79] + "…"
            found.append(Claim("text", shown, path))
    return found


def claims(text: str, path: str = "", programs: frozenset[str] | set[str] = KNOWN_PROGRAMS):
    """The commands, versions and numbers that ``text`` states."""
    seen: set[tuple[str, str]] = set()
    for kind, value in _claims(_prepare(text), programs):
        if (kind, value) not in seen:
            seen.add((kind, value))
            yield Claim(kind, value, path)


def _claims(text: str, programs: frozenset[str] | set[str]) -> Iterator[tuple[ClaimKind, str]]:
    for command in _commands(text, programs):
        yield "command", command
    for kind, value, unit in _numbers(text):
        yield kind, f"{value} {unit}" if unit and kind == "number" else value


def _commands(text: str, programs: frozenset[str] | set[str]) -> Iterator[str]:
    for block in _CODE_BLOCK.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").strip()
            if line and not line.startswith("#"):
                yield line
    prose = _CODE_BLOCK.sub(" ", text)
    for span in _INLINE_CODE.findall(prose):
        if span.strip():
            yield span.strip()
    prose = _INLINE_CODE.sub(" ", prose).strip().removeprefix("$ ")
    yield from _command_runs(prose.split(), programs)


def _command_runs(words: list[str], programs: frozenset[str] | set[str]) -> Iterator[str]:
    """A known program and its arguments up to the end of the clause. At the start of the text
    two words make a command (``kubectl rollout ...``); in prose it takes three words or a
    CLI-looking argument, so that "use kubectl to check" is only a mention."""
    index = 0
    while index < len(words):
        start = index
        first = words[index].lstrip("(\"'")
        index += 1
        if first not in programs:
            continue
        run = [first]
        while index < len(words) and not run[-1].endswith(tuple(_CLAUSE_END)):
            if words[index].lower() in _STOP_WORDS:
                break
            run.append(words[index])
            index += 1
        run[-1] = run[-1].rstrip(_CLAUSE_END + "\"'")
        if len(run) >= 3 or (len(run) == 2 and (start == 0 or _cli_like(run[1]))):
            yield " ".join(run)


def _cli_like(word: str) -> bool:
    return (
        word.startswith("-")
        or any(c in word for c in "/=:.@")
        or any(c.isdigit() for c in word)
        or (len(word) > 1 and word.isupper())
    )


def _numbers(text: str) -> Iterator[tuple[ClaimKind, str, str]]:
    for match in _NUMBER.finditer(text):
        number, unit_text = match["num"], match["unit"]
        unit = _UNITS.get(unit_text.lower()) if unit_text else None
        if unit_text and unit is None and not match["space"]:
            continue  # digits glued to letters: an identifier such as 3rd or 2xlarge
        if match["v"] or number.count(".") >= 2:
            yield "version", number, ""
            continue
        yield "number", _canonical(number), unit or ""


def _canonical(number: str) -> str:
    whole, dot, fraction = number.partition(".")
    return (whole.lstrip("0") or "0") + (dot + fraction if fraction else "")


def _prepare(text: str) -> str:
    return _ZULU.sub(r"\1 Z", _ISO_TIME.sub(r"\1 \2", text))


def _normalise(text: str) -> str:
    return " ".join(text.split())
