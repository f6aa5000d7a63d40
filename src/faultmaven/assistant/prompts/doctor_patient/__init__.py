"""The doctor-patient system prompts: ``minimal`` (small local models), ``standard``, ``detailed``.

Each module holds one plain string, ``PROMPT``, joined from ``prompts.fragments``.
"""
