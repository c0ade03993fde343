"""The reader's prompt and the parsing of its answers.

A prompt is the system message (the model's label set and a label guide), the JSON schema of
the answer, and a version hash of both: the hash names the prompt in the answer cache and in
a review's sidecar, so that answers to another wording are never mixed in.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kpkclassify.exceptions import InputError
from kpkclassify.labels import LABELS, OTHER

#: Part of the version hash: bump it to set cached answers aside when what is asked changes but not its text.
TEMPLATE_VERSION = "1"

_TEMPLATE = """You are a careful second reader of Indonesian complaints and social-media posts.
The user message is one text. Decide which of these labels apply to it: {labels}.

{guide}

Answer with one JSON object and nothing else, in this form:
{{"labels": [zero or more of {quoted}], "reason": "one short sentence"}}
Use an empty list when no label applies."""

#: Words a reader may use for "no label".
_NONE_WORDS = frozenset({"", OTHER, "none", "no_label", "nothing", "lainnya", "tidak_ada", "null", "n/a", "empty"})


class AnswerError(ValueError):
    """An answer that is not a JSON object with known labels (a transient failure: ask again)."""


def bundled_guide() -> str:
    """The label guide for our labels (``illegal_fee``, ``slow_service``, ``campaign``), as shipped."""
    return resources.files("kpkclassify.reader").joinpath("data/guide.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Prompt:
    """What the reader is told.

    Attributes
    ----------
    labels : tuple of str
        The labels the reader may answer (the fast model's ``labels_``).
    system : str
        The system message.
    schema : dict
        The JSON schema of an answer (for servers that support ``response_format``).
    version : str
        12 hex digits of the SHA-256 of the system message and the schema.
    """

    labels: tuple[str, ...]
    system: str
    schema: dict
    version: str

    def messages(self, text: str) -> list[dict]:
        """The chat messages for one text."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": text}]

    def response_format(self) -> dict:
        """The ``response_format`` field asking for :attr:`schema`."""
        return {"type": "json_schema", "json_schema": {"name": "review", "strict": True, "schema": self.schema}}


def build_prompt(labels: Sequence[str] = LABELS, guide: str | os.PathLike | None = None) -> Prompt:
    """The prompt for a model with ``labels``.

    Parameters
    ----------
    labels : sequence of str
        The model's labels (``labels_``).
    guide : str or path, optional
        A label guide file (plain text or Markdown, put into the system message as it is).
        Needed when ``labels`` are not ours; ours is bundled (:func:`bundled_guide`).

    Raises
    ------
    InputError
        Labels of your own and no guide, or a guide file that cannot be read.
    """
    labels = tuple(labels)
    if guide is None:
        if set(labels) != set(LABELS):
            raise InputError(f"the model's labels are {', '.join(labels)}: pass a label guide file (--guide) that "
                             "defines them; the bundled guide only describes " + ", ".join(LABELS))
        text = bundled_guide()
    else:
        try:
            text = Path(guide).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{guide}: cannot read the label guide ({exc})") from None
    system = _TEMPLATE.format(labels=", ".join(labels), quoted=", ".join(f'"{label}"' for label in labels),
                              guide=text.strip())
    schema = {
        "type": "object",
        "properties": {
            "labels": {"type": "array", "items": {"type": "string", "enum": list(labels)}},
            "reason": {"type": "string"},
        },
        "required": ["labels", "reason"],
        "additionalProperties": False,
    }
    digest = hashlib.sha256(json.dumps([TEMPLATE_VERSION, system, schema], sort_keys=True).encode("utf-8"))
    return Prompt(labels, system, schema, digest.hexdigest()[:12])


_FENCE = re.compile(r"```[a-zA-Z]*")


def parse_answer(content: object, labels: Sequence[str] = LABELS) -> tuple[tuple[str, ...], str]:
    """The labels and reason in a reader's answer, read leniently.

    Code fences and prose around the JSON object are ignored, a bare list of labels is
    accepted, and a label may be spelt loosely (case, spaces or dashes for ``_``, a near miss
    like ``ilegal_fee``); ``other``, ``none`` or an empty list mean no label.

    Returns
    -------
    labels : tuple of str
        In the order of ``labels``.
    reason : str

    Raises
    ------
    AnswerError
        No JSON object or list in the answer, or a label that is none of ``labels``.
    """
    if not isinstance(content, str) or not content.strip():
        raise AnswerError("empty answer")
    text = _FENCE.sub(" ", content).strip()
    found = _first_json(text)
    if found is None:
        raise AnswerError(f"no JSON object in the answer: {content[:80]!r}")
    raw: object
    if isinstance(found, list):
        raw, reason = found, ""
    else:
        raw = found.get("labels", found.get("label", None))
        reason = found.get("reason", found.get("explanation", ""))
        if "labels" not in found and "label" not in found:
            raise AnswerError(f"the answer has no 'labels': {content[:80]!r}")
    if raw is None:
        raw = []
    if isinstance(raw, str):
        raw = re.split(r"[|,;/]", raw)
    if not isinstance(raw, list):
        raise AnswerError(f"'labels' is not a list: {raw!r}"[:120])
    chosen = {_known(item, labels) for item in raw} - {None}
    return tuple(label for label in labels if label in chosen), str(reason or "").strip()[:1000]


def _known(item: object, labels: Sequence[str]) -> str | None:
    """The label ``item`` names (None for "no label"), or :class:`AnswerError`."""
    if not isinstance(item, str):
        raise AnswerError(f"a label that is not a string: {item!r}"[:120])
    word = re.sub(r"[\s\-]+", "_", item.strip().strip("\"'`.").lower())
    if word in _NONE_WORDS:
        return None
    if word in labels:
        return word
    close = difflib.get_close_matches(word, labels, n=1, cutoff=0.8)
    if close:
        return close[0]
    squeezed = {label.replace("_", ""): label for label in labels}
    if word.replace("_", "") in squeezed:
        return squeezed[word.replace("_", "")]
    raise AnswerError(f"{item!r} is not a label; the labels are {', '.join(labels)}"[:200])


def _first_json(text: str) -> dict | list | None:
    """The first JSON object (or, failing that, list) in ``text``."""
    decoder = json.JSONDecoder()
    for opener in ("{", "["):
        start = text.find(opener)
        while start != -1:
            try:
                value, _ = decoder.raw_decode(text, start)
            except json.JSONDecodeError:
                start = text.find(opener, start + 1)
                continue
            if isinstance(value, (dict, list)):
                return value
            start = text.find(opener, start + 1)
    return None
