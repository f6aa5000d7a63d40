"""Runbooks as markdown: render a ``RunbookContent`` in the seed's format and parse it back.

Pure functions, no I/O. :func:`render_markdown` writes the document, :func:`parse_markdown`
reads it (or a hand-edited copy) back and raises :class:`~faultmaven.errors.InvalidInput` saying
what is wrong when the text is not a runbook.

The format
----------
::

    # Runbook: Redis Cluster OOM Kills

    **Created**: 2025-10-05
    **Last Updated**: 2025-10-06
    **Severity**: Critical
    **Average Resolution Time**: 1 hour 5 minutes (from incident start)

    ## Problem Summary

    Redis pods repeatedly restart with OOM kills in production.

    **Symptoms**:
    - Pods restarting every 5-10 minutes

    **Affected Systems**:
    - Redis cluster (3 pods)

    **History**:
    - 2025-10-05 14:10 UTC — (deploy) Deployed larger session objects
    - 2025-10-05 14:30 UTC — Problem started

    ## Diagnosis Steps

    ### 1. Blast Radius Assessment
    - `kubectl get pods -n production` — 3/3 redis pods in CrashLoopBackOff

    ### 2. Hypothesis Formation
    - **Theory 1**: Memory leak in Redis (REFUTED ✗)
    - **Theory 2**: Session objects too large (VALIDATED ✓)

    ### 3. Validation
    ```bash
    # Check memory usage
    kubectl top pod redis-0 -n production
    # Output: 2.1Gi / 2Gi (105% - OOM threshold)
    # Conclusion: memory is at the limit
    ```

    - Check the memory graph of the last deploy
      **Conclusion**: usage doubled at 14:10
    > _Gap: no command recorded for this check — add the command you ran._

    ## Root Cause

    Session objects grew from 100KB to 5MB.

    **Evidence**:
    - serialized length: 5242880

    **Contributing Factors**:
    - No memory alert

    ## Solution

    ### Immediate Fix: Increase Redis memory limit (10 mins)
    1. Raise the limit to 8Gi

    ```bash
    kubectl rollout restart statefulset/redis -n production
    ```

    ### Long-term Fix (proposed: not carried out yet): Compress large session fields (1 day)
    > _Gap: no steps or commands recorded for this fix — add what to do._

    ### Verification
    - kubectl get pods -n production -w

    ### Rollback
    > _Gap: no rollback recorded — add how to undo the fix._

    ### Tried, Did Not Work: Restart only
    ```bash
    kubectl delete pod redis-0
    ```

    **Why it failed**:
    - the pods were OOMKilled again within minutes

    ## Prevention

    ### Monitoring
    - Alert on memory above 80%

Sections and fields with nothing recorded are left out, except the essential ones, which get a
``> _Gap: ..._`` line saying what to add (the parser ignores it): symptoms, root cause, fix, a
fix's steps or commands, a check's command, verification, rollback (not when a fix is itself a
rollback: there is nothing to undo it with but the change it undid), why an attempt failed.
Nothing is invented: the renderer writes only what the content holds.

A procedure, not the incident log: the timeline is a short **History** in the Problem Summary
(when it started, what changed); Diagnosis Steps are the checks, blast radius first, numbered
from 1 over the subsections present. Checks without a command are list items (``**Output**:``
and ``**Conclusion**:`` lines under them), never a code block holding only comments. Fixes carry
their outcome in the heading: ``(unverified: shipped, not confirmed working)`` or ``(proposed:
not carried out yet)``; applied fixes have no label. Failed attempts are ``### Tried, Did Not
Work: <title>`` subsections with their steps, commands and ``**Why it failed**:``. The average
resolution time says what it is measured from (``(from incident start)``, ...).

Escaping, so that every field round-trips
-----------------------------------------
* List items (and numbered fix steps) may span lines: continuation lines are indented by the
  width of the marker (``- `` -> 2 spaces, ``12. `` -> 4), blank lines inside an item stay blank.
* Paragraphs (summary, root cause): a line that would read as markdown structure (``#``, ``>``,
  a fence, a ``**Label**:`` line, ``---``) is written with a leading backslash, which markdown
  viewers hide and the parser removes.
* A blast-radius check is a code span with as many backticks as needed; ``— finding`` follows.
* A timeline event shows its kind as ``(deploy)`` etc. when it is not an observation, and as
  ``(observation)`` when the text itself starts like a kind or a timestamp.
* A hypothesis ending in something that looks like a status marker gets an explicit
  ``(PROPOSED)`` marker when it is only proposed.
* Validations share one ``bash`` block, separated by blank lines. A validation whose command
  would be misread there (a blank line, a leading ``#`` line) gets its own block in which a
  ``# Command:`` line starts the command and ``# Output:``/``# Conclusion:`` always follow. Comment
  lines that start with ``Output:``/``Conclusion:``/``Command:`` are escaped with a backslash.
* Fix commands are one per line, or separated by blank lines when some span lines; when that would
  be ambiguous each command gets its own block starting with a ``# Command:`` line.
* A fix heading whose title ends in ``(...)`` gets its duration on a ``**Duration**:`` line.

Limitations (documented, tested)
--------------------------------
* The runbook title, fix and failed-attempt titles and fix durations are single-line (the
  schema reads line breaks in them as spaces).
* ``\\r\\n`` line endings are read as ``\\n``, also inside field values.
* Average resolution time is rendered to the second (``1 hour 5 minutes 17 seconds``); whole
  minutes and whole seconds round-trip exactly, other fractions are rounded.
* Timestamps are rendered in UTC (the same instant comes back, with a UTC timezone).

Reading hand-edited markdown
----------------------------
Headings are matched by keyword, in any case and with or without numbering; ``*``/``+``/numbered
bullets, extra blank lines, ``---`` rules and ``**Label:**`` styles are accepted; ``### Symptoms``
may replace ``**Symptoms**:``; a ``### Timeline Analysis`` under Diagnosis Steps (the seed's and
the older format) is read as the history; a ``### Tried, Did Not Work`` list of
``**title**: `command``` bullets is read as failed attempts; a ``bash`` block in a list section
gives one item per blank-line-separated group; ``### Immediate Fix (10 mins)`` without a title
gets the title "Immediate Fix". Unknown sections, unknown subsections and stray text raise
``InvalidInput`` rather than being dropped silently; the one exception is unknown
``**Key**: value`` lines above the first section (store metadata such as an owner, which is not
runbook content), which are ignored.
"""

from __future__ import annotations

from faultmaven.runbooks.markdown_parse import parse_markdown
from faultmaven.runbooks.markdown_render import render_markdown
from faultmaven.runbooks.markdown_text import MarkdownError, ParsedRunbook

__all__ = ["MarkdownError", "ParsedRunbook", "parse_markdown", "render_markdown"]
