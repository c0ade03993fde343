"""PySastrawi's stemmer (Enhanced Confix Stripping), reimplemented to give the same stems faster.

The algorithm is PySastrawi's, step by step (``Sastrawi.Stemmer.Context.Context`` and its
visitors), and so is the dictionary: the root words are read from the installed Sastrawi
package at run time, never copied here. What is different is only how each step is done:

- every rule is a few ``startswith``/``endswith``/slice operations instead of a regular
  expression compiled (or looked up in ``re``'s cache) on every call;
- no Context, Removal or visitor objects: the state is three local variables;
- the prefix rules are grouped by the word's first two letters, so a prefix pass tries only
  the rules that can match (they are still tried in PySastrawi's order);
- a word that no rule can change exits at once.

The equality with PySastrawi is a tested property (``tests/test_fast_stem.py``) over the
corpus tokens, the dictionary and generated affixed and noisy words. Where PySastrawi has
quirks they are kept on purpose and marked ``quirk``: a stem that differs would change the
features the bundled model was trained on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

_VOWELS = frozenset("aiueo")
# The consonant classes of PySastrawi's patterns, exactly as written there (some omit 'r').
_C = frozenset("bcdfghjklmnpqrstvwxyz")
_C_NO_R = frozenset("bcdfghjklmnpqstvwxyz")
_C_35 = frozenset("bcdfghjkpqstvxz")  # rules 35 and 36
_A_19 = frozenset("abcdfghijklmopqrstuvwxyz")  # rule 19: any letter but 'e' and 'n' (quirk: no 'n')
_AZ = frozenset("abcdefghijklmnopqrstuvwxyz")

# Stemmer.stem's text normalisation and plural handling: the same patterns, compiled once.
_NOT_ALLOWED = re.compile(r"[^a-z0-9 -]", re.IGNORECASE | re.MULTILINE)
_SPACES = re.compile(r"( +)", re.IGNORECASE | re.MULTILINE)
_PLURAL_CLITIC = re.compile(r"^(.*)-(ku|mu|nya|lah|kah|tah|pun)$")
_SPLIT = re.compile(r"^(.*)-(.*)$")
_PLURAL_SUFFIXES = ("ku", "mu", "nya", "lah", "kah", "tah", "pun")

Rule = Callable[[str, Collection[str]], "str | None"]


# -- the prefix rules -------------------------------------------------------------------
# Each function is one PySastrawi PrefixDisambiguator: its disambiguators are tried in
# order, the first result in the dictionary wins, otherwise the LAST disambiguator's result
# is taken even when it is None (quirk: an earlier non-None result is then dropped).

def _two(first: str, second: str, d: Collection[str]) -> str:
    return first if first in d else second


def _plain(w: str, d: Collection[str]) -> str | None:  # di|ke|se (RemovePlainPrefix)
    return w[2:] if w[:2] in ("di", "ke", "se") else None


def _r1(w: str, d: Collection[str]) -> str | None:  # berV -> ber-V | be-rV
    if w.startswith("ber") and len(w) > 3 and w[3] in _VOWELS:
        return _two(w[3:], "r" + w[3:], d)
    return None


def _r2(w: str, d: Collection[str]) -> str | None:  # berCAP, P != 'er' (quirk: C may be 'r')
    if w.startswith("ber") and len(w) > 4 and w[3] in _C and w[4] in _AZ and not w.startswith("er", 5):
        return w[3:]
    return None


def _r3(w: str, d: Collection[str]) -> str | None:  # berCAerV, C != 'r'
    if (w.startswith("ber") and len(w) > 7 and w[3] in _C_NO_R and w[4] in _AZ
            and w.startswith("er", 5) and w[7] in _VOWELS):
        return w[3:]
    return None


def _r4(w: str, d: Collection[str]) -> str | None:
    return "ajar" if w == "belajar" else None


def _r5(w: str, d: Collection[str]) -> str | None:  # beC1erC2, C1 != 'r'
    if w.startswith("be") and len(w) > 5 and w[2] in _C_NO_R and w.startswith("er", 3) and w[5] in _C:
        return w[2:]
    return None


def _r6(w: str, d: Collection[str]) -> str | None:  # terV -> ter-V | te-rV
    if w.startswith("ter") and len(w) > 3 and w[3] in _VOWELS:
        return _two(w[3:], "r" + w[3:], d)
    return None


def _r7(w: str, d: Collection[str]) -> str | None:  # terCerV, C != 'r'
    if w.startswith("ter") and len(w) > 6 and w[3] in _C_NO_R and w.startswith("er", 4) and w[6] in _VOWELS:
        return w[3:]
    return None


def _r8(w: str, d: Collection[str]) -> str | None:  # terCP, C != 'r', P != 'er'
    if w.startswith("ter") and len(w) > 3 and w[3] in _C_NO_R and not w.startswith("er", 4):
        return w[3:]
    return None


def _r9(w: str, d: Collection[str]) -> str | None:  # teC1erC2, C1 != 'r'
    if w.startswith("te") and len(w) > 5 and w[2] in _C_NO_R and w.startswith("er", 3) and w[5] in _C:
        return w[2:]
    return None


def _r10(w: str, d: Collection[str]) -> str | None:  # me{l|r|w|y}V
    if w.startswith("me") and len(w) > 3 and w[2] in "lrwy" and w[3] in _VOWELS:
        return w[2:]
    return None


def _r11(w: str, d: Collection[str]) -> str | None:  # mem{b|f|v}
    return w[3:] if w.startswith("mem") and len(w) > 3 and w[3] in "bfv" else None


def _r12(w: str, d: Collection[str]) -> str | None:  # mempe -> mem-pe
    return w[3:] if w.startswith("mempe") else None


def _r13(w: str, d: Collection[str]) -> str | None:  # mem{rV|V} -> me-m{rV|V} | me-p{rV|V}
    if w.startswith("mem") and len(w) > 3 and w[3] in _VOWELS:
        return _two("m" + w[3:], "p" + w[3:], d)
    return None


def _r14(w: str, d: Collection[str]) -> str | None:  # men{c|d|j|s|t|z}
    return w[3:] if w.startswith("men") and len(w) > 3 and w[3] in "cdjstz" else None


def _r15(w: str, d: Collection[str]) -> str | None:  # men{V} -> me-n{V} | me-t{V}
    if w.startswith("men") and len(w) > 3 and w[3] in _VOWELS:
        return _two("n" + w[3:], "t" + w[3:], d)
    return None


def _r16(w: str, d: Collection[str]) -> str | None:  # meng{g|h|q|k}
    return w[4:] if w.startswith("meng") and len(w) > 4 and w[4] in "ghqk" else None


def _r17(w: str, d: Collection[str]) -> str | None:  # mengV -> meng-V | meng-kV | (menge) | me-ngV
    if not (w.startswith("meng") and len(w) > 4 and w[4] in _VOWELS):
        return None
    rest = w[4:]
    if rest in d:
        return rest
    if "k" + rest in d:
        return "k" + rest
    if w[4] == "e" and w[5:] in d:
        return w[5:]
    return "ng" + rest


def _r18(w: str, d: Collection[str]) -> str | None:  # menyV -> me-nyV | meny-sV
    if w.startswith("meny") and len(w) > 4 and w[4] in _VOWELS:
        return _two("ny" + w[4:], "s" + w[4:], d)
    return None


def _r19(w: str, d: Collection[str]) -> str | None:  # mempA, A != 'e'
    return w[3:] if w.startswith("memp") and len(w) > 4 and w[4] in _A_19 else None


def _r20(w: str, d: Collection[str]) -> str | None:  # pe{w|y}V
    if w.startswith("pe") and len(w) > 3 and w[2] in "wy" and w[3] in _VOWELS:
        return w[2:]
    return None


def _r21(w: str, d: Collection[str]) -> str | None:  # perV -> per-V | pe-rV
    if w.startswith("per") and len(w) > 3 and w[3] in _VOWELS:
        return _two(w[3:], w[2:], d)
    return None


def _r23(w: str, d: Collection[str]) -> str | None:  # perCAP, P != 'er' (quirk: C may be 'r')
    if w.startswith("per") and len(w) > 4 and w[3] in _C and w[4] in _AZ and not w.startswith("er", 5):
        return w[3:]
    return None


def _r24(w: str, d: Collection[str]) -> str | None:  # perCAerV, C != 'r'
    if (w.startswith("per") and len(w) > 7 and w[3] in _C_NO_R and w[4] in _AZ
            and w.startswith("er", 5) and w[7] in _VOWELS):
        return w[3:]
    return None


def _r25(w: str, d: Collection[str]) -> str | None:  # pem{b|f|v}
    return w[3:] if w.startswith("pem") and len(w) > 3 and w[3] in "bfv" else None


def _r26(w: str, d: Collection[str]) -> str | None:  # pem{rV|V} -> pe-m{rV|V} | pe-p{rV|V}
    if w.startswith("pem") and len(w) > 3 and w[3] in _VOWELS:
        return _two("m" + w[3:], "p" + w[3:], d)
    return None


def _r27(w: str, d: Collection[str]) -> str | None:  # pen{c|d|j|s|t|z}
    return w[3:] if w.startswith("pen") and len(w) > 3 and w[3] in "cdjstz" else None


def _r28(w: str, d: Collection[str]) -> str | None:  # pen{V} -> pe-n{V} | pe-t{V}
    if w.startswith("pen") and len(w) > 3 and w[3] in _VOWELS:
        return _two("n" + w[3:], "t" + w[3:], d)
    return None


def _r29(w: str, d: Collection[str]) -> str | None:  # pengC
    return w[4:] if w.startswith("peng") and len(w) > 4 and w[4] in _C else None


def _r30(w: str, d: Collection[str]) -> str | None:  # pengV -> peng-V | peng-kV | (penge)
    if not (w.startswith("peng") and len(w) > 4 and w[4] in _VOWELS):
        return None
    rest = w[4:]
    if rest in d:
        return rest
    if "k" + rest in d:
        return "k" + rest
    # quirk: the last disambiguator only matches 'penge', so pengV with V != 'e' gives None
    return w[5:] if w[4] == "e" else None


def _r31(w: str, d: Collection[str]) -> str | None:  # penyV -> pe-nyV | peny-sV
    if w.startswith("peny") and len(w) > 4 and w[4] in _VOWELS:
        return _two("ny" + w[4:], "s" + w[4:], d)
    return None


def _r32(w: str, d: Collection[str]) -> str | None:  # pelV -> pe-lV, pelajar -> ajar
    if w == "pelajar":
        return "ajar"
    return w[2:] if w.startswith("pel") and len(w) > 3 and w[3] in _VOWELS else None


def _r34(w: str, d: Collection[str]) -> str | None:  # peCP, P != 'er'
    if w.startswith("pe") and len(w) > 2 and w[2] in _C and not w.startswith("er", 3):
        return w[2:]
    return None


def _r35(w: str, d: Collection[str]) -> str | None:  # terC1erC2
    if w.startswith("ter") and len(w) > 6 and w[3] in _C_35 and w.startswith("er", 4) and w[6] in _C:
        return w[3:]
    return None


def _r36(w: str, d: Collection[str]) -> str | None:  # peC1erC2
    if w.startswith("pe") and len(w) > 5 and w[2] in _C_35 and w.startswith("er", 3) and w[5] in _C:
        return w[2:]
    return None


def _infix(infix: str) -> Rule:
    """Rules 37-40: C{er|el|em|in}V -> the word itself, or C + V... (quirk: 'a' keeps the word)."""

    def rule(w: str, d: Collection[str]) -> str | None:
        if len(w) > 3 and w[0] in _C and w.startswith(infix, 1) and w[3] in _VOWELS:
            return w if w in d else w[0] + w[3:]
        return None

    return rule


def _r41(w: str, d: Collection[str]) -> str | None:  # kuA
    return w[2:] if w.startswith("ku") else None


def _r42(w: str, d: Collection[str]) -> str | None:  # kauA
    return w[3:] if w.startswith("kau") else None


# PySastrawi's prefix visitors, in its order, each with the first two letters it can match.
_PREFIX_RULES: tuple[tuple[Rule, tuple[str, ...]], ...] = (
    (_plain, ("di", "ke", "se")),
    *((rule, ("be",)) for rule in (_r1, _r2, _r3, _r4, _r5)),
    *((rule, ("te",)) for rule in (_r6, _r7, _r8, _r9)),
    *((rule, ("me",)) for rule in (_r10, _r11, _r12, _r13, _r14, _r15, _r16, _r17, _r18, _r19)),
    *((rule, ("pe",)) for rule in (_r20, _r21, _r23, _r24, _r25, _r26, _r27, _r28, _r29, _r30, _r31, _r32,
                                    _r34)),
    (_r35, ("te",)),
    (_r36, ("pe",)),
    (_infix("er"), tuple(c + "e" for c in sorted(_C))),
    (_infix("el"), tuple(c + "e" for c in sorted(_C))),
    (_infix("em"), tuple(c + "e" for c in sorted(_C))),
    (_infix("in"), tuple(c + "i" for c in sorted(_C))),
    (_r41, ("ku",)),
    (_r42, ("ka",)),
)


def _rules_by_head() -> dict[str, tuple[Rule, ...]]:
    table: dict[str, list[Rule]] = {}
    for rule, heads in _PREFIX_RULES:
        for head in heads:
            table.setdefault(head, []).append(rule)
    return {head: tuple(rules) for head, rules in table.items()}


_RULES_BY_HEAD = _rules_by_head()
_PLAIN_HEADS = frozenset(("di", "ke", "se"))
# Every ending a suffix rule removes: a word with none of these and no prefix head is unchanged.
_SUFFIXES = ("lah", "kah", "tah", "pun", "ku", "mu", "nya", "is", "isme", "isasi", "i", "kan", "an")
# Stripping prefix before suffix is tried first for these (PrecedenceAdjustmentSpecification).
_PRECEDENCE = (("be", "lah"), ("be", "an"), ("me", "i"), ("di", "i"), ("pe", "i"), ("ter", "i"))
_PRECEDENCE_HEADS = tuple(sorted({p for p, _ in _PRECEDENCE}))


# -- the suffix rules -------------------------------------------------------------------

def _particle(w: str) -> str:  # -*(lah|kah|tah|pun)$
    return w[:-3].rstrip("-") if w.endswith(("lah", "kah", "tah", "pun")) else w


def _possessive(w: str) -> str:  # -*(ku|mu|nya)$
    if w.endswith("nya"):
        return w[:-3].rstrip("-")
    return w[:-2].rstrip("-") if w.endswith(("ku", "mu")) else w


def _derivational(w: str) -> str:  # (is|isme|isasi|i|kan|an)$: the leftmost match is the longest
    for suffix in ("isasi", "isme", "kan", "is", "an", "i"):
        if w.endswith(suffix):
            return w[: -len(suffix)]
    return w


class FastStemmer:
    """PySastrawi's ``Stemmer`` over a root-word dictionary, with the same results."""

    def __init__(self, dictionary: Collection[str]) -> None:
        self.dictionary = dictionary if isinstance(dictionary, (set, frozenset, dict)) else frozenset(dictionary)

    # -- Stemmer.stem / stem_word -------------------------------------------------------
    def stem(self, text: str) -> str:
        """``Stemmer.stem``: the stems of the words of a text, joined by spaces."""
        if text.isascii() and text.isalpha() and text.islower():  # one plain word: nothing to normalise
            return self.stem_singular(text)
        words = _SPACES.sub(" ", _NOT_ALLOWED.sub(" ", text.lower())).strip().split(" ")
        return " ".join([self.stem_word(word) for word in words])

    def stem_word(self, word: str) -> str:
        if "-" not in word:
            return self.stem_singular(word)
        match = _PLURAL_CLITIC.match(word)
        if (match.group(1) if match else word).find("-") != -1:
            return self._stem_plural(word)
        return self.stem_singular(word)

    def _stem_plural(self, plural: str) -> str:
        match = _SPLIT.match(plural)
        if not match:
            return plural
        first, second = match.group(1), match.group(2)
        inner = _SPLIT.match(first)
        if second in _PLURAL_SUFFIXES and inner:  # malaikat-malaikat-nya -> malaikat, malaikat-nya
            first, second = inner.group(1), inner.group(2) + "-" + second
        root1, root2 = self.stem_singular(first), self.stem_singular(second)
        if second not in self.dictionary and root2 == second:  # meniru-nirukan -> tiru
            root2 = self.stem_singular("me" + second)
        return root1 if root1 == root2 else plural

    # -- Context.execute -----------------------------------------------------------------
    def stem_singular(self, word: str) -> str:
        """``Stemmer.stem_singular_word``: one word without hyphens between parts."""
        d = self.dictionary
        if word in d:
            return word
        if word[:2] not in _RULES_BY_HEAD and not word.endswith(_SUFFIXES):
            return word  # early exit: no rule of either kind can remove anything
        current = self._confix_strip(word)
        return current if current in d else word

    def _confix_strip(self, word: str) -> str:
        """Context.start_stemming_process after its first dictionary check; returns the last word."""
        d = self.dictionary
        # DontStemShortWord stops the process for good: from then on each visitor pass runs
        # only its first visitor (quirk: suffix and prefix passes still run).
        stopped = len(word) <= 3
        if self._precedence(word):
            removals: list[tuple[str, str, bool]] = []
            current = self._remove_prefixes(word, d, stopped)
            if current in d:
                return current
            current = self._remove_suffixes(current, d, stopped, removals)
            if current in d:
                return current
        removals = []
        current = self._remove_suffixes(word, d, stopped, removals)
        if current in d:
            return current
        current = self._remove_prefixes(current, d, stopped)
        if current in d:
            return current
        return self._restore_suffixes(word, d, stopped, removals)

    @staticmethod
    def _precedence(word: str) -> bool:
        if not word.startswith(_PRECEDENCE_HEADS):  # most words: one test
            return False
        n = len(word)
        for p, s in _PRECEDENCE:
            if word.startswith(p) and word.endswith(s) and n >= len(p) + len(s):
                return True
        return False

    @staticmethod
    def _remove_suffixes(w: str, d: Collection[str], stopped: bool, removals: list[tuple[str, str, bool]]) -> str:
        """The three suffix visitors; ``removals`` gets (subject, result, removed 'kan') for each."""
        for visitor in (_particle, _possessive, _derivational):
            result = visitor(w)
            if result != w:
                removals.append((w, result, visitor is _derivational and w.endswith("kan")))
                w = result
            if w in d or stopped:
                return w
        return w

    @staticmethod
    def _remove_prefixes(w: str, d: Collection[str], stopped: bool) -> str:
        """Context.remove_prefixes: three passes, each ending at the first visitor that removes."""
        for _ in range(3):
            w = FastStemmer._prefix_pass(w, d, stopped)
            if w in d:
                return w
        return w

    @staticmethod
    def _prefix_pass(w: str, d: Collection[str], stopped: bool) -> str:
        head = w[:2]
        if head in _PLAIN_HEADS:
            return w[2:]
        if stopped or w in d:  # PySastrawi's checks after its first (plain-prefix) visitor
            return w
        for rule in _RULES_BY_HEAD.get(head, ()):
            result = rule(w, d)
            if result is not None:  # a removal, even when the result is the word itself
                return result
        return w

    def _restore_suffixes(self, word: str, d: Collection[str], stopped: bool,
                          removals: list[tuple[str, str, bool]]) -> str:
        """ECS 'loop pengembalian akhiran': put the suffixes back one by one, each time
        retrying the prefixes. The word before any removal is ``word`` itself."""
        for subject, result, was_kan in reversed(removals):
            if was_kan:
                current = self._remove_prefixes(result + "k", d, stopped)
                if current in d:
                    return current
            current = self._remove_prefixes(subject, d, stopped)
            if current in d:
                return current
        return word


_default: FastStemmer | None = None


def default_stemmer() -> FastStemmer:
    """The stemmer over the installed Sastrawi's root words (built on first use)."""
    global _default
    if _default is None:
        from ._lexicon import root_words

        _default = FastStemmer(root_words())
    return _default


def fast_stem(word: str) -> str:
    """PySastrawi's stem of ``word`` (``Stemmer.stem``), from :class:`FastStemmer`."""
    return default_stemmer().stem(word)
