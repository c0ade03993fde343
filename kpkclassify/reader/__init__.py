"""The second reader: a language model behind an OpenAI-compatible chat-completions endpoint.

:mod:`~kpkclassify.reader.prompt` writes the prompt and parses answers,
:mod:`~kpkclassify.reader.client` sends requests (retries, backoff, the local-only rule) and
:mod:`~kpkclassify.reader.cache` keeps the answers. ``kpkclassify review``
(:func:`kpkclassify.workflows.review.review_file`) puts them together.
"""

from __future__ import annotations

from kpkclassify.reader.cache import AnswerCache, answer_key, default_cache_path, text_hash
from kpkclassify.reader.client import (
    Answer,
    ReaderClient,
    ReaderError,
    RetryBudget,
    ReviewFailed,
    check_endpoint,
    completion_content,
    is_local_endpoint,
    request_body,
    shown_url,
)
from kpkclassify.reader.prompt import AnswerError, Prompt, build_prompt, bundled_guide, parse_answer

__all__ = [
    "Answer", "AnswerCache", "AnswerError", "Prompt", "ReaderClient", "ReaderError", "RetryBudget", "ReviewFailed",
    "answer_key", "build_prompt", "bundled_guide", "check_endpoint", "completion_content", "default_cache_path",
    "is_local_endpoint", "parse_answer", "request_body", "shown_url", "text_hash",
]
