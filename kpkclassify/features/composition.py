"""Composition features: who does what in a clause, and in which voice a text is written.

A bag of words sees ``bayar``, ``calo`` and ``saya`` but not that *I* was *told to pay
200rb* in one clause, nor that a text is an agency promoting its complaint channel, a news
lead quoting an official, or a question about a rumour. Each feature is a 0/1 column: a
word class present, one class before another within a few words of the same clause
(clauses end at ``. ! ? ;`` and line breaks), a class at the start of a clause, or a mark of
the text's form (quotes, a final question mark, hashtags, a reply to an account).

It reads the raw text, not the stemmed terms, so punctuation and word order survive, and it
is vectorised over a batch: the batch is lower-cased and split into tokens as one string,
each distinct token gets its word classes (a bit mask) once, and every feature is a NumPy
operation over the whole batch's token array. Padding, extra spaces or line breaks between
words change nothing (line breaks are clause ends, like ``.``).

``composition_matrix(texts)`` returns a CSR block of ``len(FEATURE_NAMES)`` columns, which the
classifier stacks beside the n-gram matrix (``Classifier(composition=True)``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

# -- word classes ------------------------------------------------------------------
_WORDS: dict[str, str] = {
    "FP": "saya sy aku aq gue gua gw ane kami kita daku",
    "FAMILY": "ibu ibuk bapak bpk ayah mama mamah papa ortu adik adek kakak istri suami anak keponakan mertua "
              "nenek kakek tetangga teman temen saudara ibuku bapakku ayahku adikku kakakku anakku istriku suamiku",
    "WARGA": "warga masyarakat pemohon peserta pedagang sopir supir petani nasabah pasien pengendara pelamar "
             "wali murid siswa orangtua",
    "DEMAND": "diminta dimintai minta disuruh suruh diwajibkan wajib harus mesti kudu dipungut pungut pungutan "
              "dipalak palak diperas peras ditarik narik ditagih nagih setor nyetor disetor bayar bayarin membayar "
              "dibayar kasih ngasih dikasih tebus nebus nyogok sogok suap nyuap menyuap pelicin amplop ongkos "
              "tambahan tempel",
    "MONEY": "rp rupiah ribu rb juta jt duit uang gocap goceng gopek cepek ceban perak",
    "CALO": "calo makelar perantara ordal joki biro titipan nitip",
    "ROUTE": "lewat via pakai pake pakek harus mesti kudu terpaksa akhirnya ujungnya disuruh ditawari nawarin "
             "menawarkan",
    "NEG": "tidak tak gak ga nggak ngga enggak gk g tdk ndak belum blm blum bukan kagak",
    "ABLE": "bisa bs dapat dpt",
    "FAIL": "gagal error eror gabisa gbisa gakbisa gk_bisa muter stuck nyangkut kadaluarsa expired invalid "
            "failed",
    "STEP": "login masuk daftar registrasi regis verifikasi verif bayar pembayaran otp kode upload unggah akses "
            "buka submit kirim simpan aktivasi update klaim cair pencairan",
    "REPEAT": "berkali kali2 terus selalu lagi2 bolak tiap setiap",
    "REPORT": "lapor laporan melapor aduan pengaduan mengadu komplain complain keluhan email chat dm tiket pesan "
              "wa surat",
    "ANSWERED": "dibalas dibales direspon direspons ditanggapi ditindaklanjuti dijawab diproses digubris dibaca "
                "respon respons jawaban tanggapan balasan kabar kejelasan",
    "DURATION": "hari minggu bulan tahun jam pekan bln thn hr mgg",
    "STILL": "belum blm blum masih nunggu menunggu digantung nggantung",
    "LONGWAIT": "berbulan berminggu bertahun berhari",
    "AGENCY": "mengimbau menghimbau imbau himbau mengajak hubungi hotline callcenter kanal layanan sobat sahabat "
              "dulur informasikan mengingatkan",
    "AGENCYNAME": "humas polres polda polsek pemkab pemkot pemprov dinas kementerian satlantas kanwil kpp kejari "
                  "kejati",
    "NEWS": "ujar ujarnya ungkap ungkapnya tutur tuturnya menurut dikutip wartawan dikonfirmasi keterangan "
            "mengatakan menegaskan menjelaskan menyebutkan kata_dia",
    "CASE": "tersangka terdakwa ditetapkan ditahan persidangan sidang jaksa penyidik vonis divonis dakwaan "
            "ott diperiksa penyidikan penyelidikan",
    "QWORD": "apa apakah kenapa mengapa knp gimana bagaimana kapan berapa benarkah emang emangnya masa kok siapa "
             "adakah",
    "HEARSAY": "katanya kabarnya konon denger2 dengar2 isunya rumornya gosip curiga mungkin kayaknya sepertinya",
    "FEEOBJ": "dipungut pungutan biaya bayar dimintai diminta pungli calo uang imbalan sepeser sepeserpun",
    "NOFEE": "tanpa bebas nol",
    "FREE": "gratis",
    "OFFICIAL": "resmi pnbp retribusi tarif kuitansi kwitansi perda ketentuan struk",
    "CALL": "ayo mari yuk yok stop tolak lawan berani jangan saatnya",
    "CORRUPT": "korupsi pungli suap gratifikasi sogok antikorupsi koruptor",
    "SLOGAN": "antikorupsi integritas wbk wbbm saberpungli stoppungli tolakpungli",
    "RHETORIC": "koruptor memalukan bobrok percuma miskinkan",
    "CONNECTION": "sinyal jaringan internet wifi provider koneksi 4g 5g",
    "PLEA": "tolong mohon please pls tlg plis",
    "FIX": "diperbaiki perbaiki dibenahi ditingkatkan dievaluasi diperbaikin fix diupdate",
    "STAR": "bintang",
    "GETS": "baru langsung cepat cepet dapat dapet dpt bisa lancar beres jadi keluar",
    "SLOT": "slot kuota antrian antrean jadwal nomor tiket kursi formasi",
    "TIMES": "x kali",
}
_CLASSES = tuple(_WORDS) + ("NUMBER", "BOUNDARY", "COMMA", "QUOTE", "HASH", "AT", "QMARK", "SEP",
                            "HANDLE", "TAGCALL")
_BIT = {name: 1 << i for i, name in enumerate(_CLASSES)}
_LEXICON: dict[str, int] = {}
for _name, _words in _WORDS.items():
    for _w in _words.split():
        _LEXICON[_w] = _LEXICON.get(_w, 0) | _BIT[_name]
for _mark, _name in ((".", "BOUNDARY"), ("!", "BOUNDARY"), (";", "BOUNDARY"), ("?", "QMARK"), (",", "COMMA"),
                     ('"', "QUOTE"), ("#", "HASH"), ("@", "AT"), ("\x00", "SEP"),
                     ("\n", "BOUNDARY"), ("\r", "BOUNDARY")):
    _LEXICON[_mark] = _LEXICON.get(_mark, 0) | _BIT[_name]
_LEXICON["?"] |= _BIT["BOUNDARY"]

_MONEY_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:rb|ribu|rbu|k|jt|juta|jeti|an)")
_TIMES_TOKEN = re.compile(r"\d+x")
_HANDLE = re.compile(r"humas|polres|polda|pemkot|pemkab|kemen|dinas|official|resmi|pemprov")
_TAGCALL = re.compile(r"anti|stop|tolak|lawan|berani|saber|jujur|integritas|lapor")


def _classes_of(token: str) -> int:
    """The bit mask of a token outside the word lists (numbers, amounts, handles, hashtag words)."""
    bits = 0
    if token[0].isdigit():
        bits |= _BIT["NUMBER"]
        if _MONEY_TOKEN.fullmatch(token):
            bits |= _BIT["MONEY"]
        elif _TIMES_TOKEN.fullmatch(token):
            bits |= _BIT["REPEAT"]
    if _HANDLE.search(token):
        bits |= _BIT["HANDLE"]
    if _TAGCALL.search(token):
        bits |= _BIT["TAGCALL"]
    return bits


class _Cache(dict):
    """Token -> bit mask; tokens outside the word lists are classified on first sight."""

    def __missing__(self, token: str) -> int:
        if len(self) > _CACHE_LIMIT:  # bounded: drop what earlier batches brought
            self.clear()
            self.update(_LEXICON)
        bits = self[token] = _classes_of(token)
        return bits


_CACHE_LIMIT = 500_000
_CACHE = _Cache(_LEXICON)

# -- the batch's tokens ------------------------------------------------------------
_QUOTES = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*|[.!?;,\"#@\x00\n\r]")
_OTHER_BREAKS = ("\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85")


def _tokens(texts: Sequence[str]) -> list[str]:
    buffer = "\x00".join(t.replace("\x00", " ") if isinstance(t, str) else "" for t in texts).lower()
    for mark, straight in _QUOTES.items():
        if mark in buffer:
            buffer = buffer.replace(mark, straight)
    for mark in _OTHER_BREAKS:
        if mark in buffer:
            buffer = buffer.replace(mark, "\n")
    return _TOKEN.findall(buffer)


def _bits(tokens: list[str]) -> np.ndarray:
    return np.fromiter(map(_CACHE.__getitem__, tokens), dtype=np.int64, count=len(tokens))


# -- features ----------------------------------------------------------------------
#: The names of the columns of :func:`composition_matrix`, in order.
FEATURE_NAMES: tuple[str, ...] = tuple(f"comp:{name}" for name in (
    "self_subject", "self_demand", "warga_demand", "demand_money", "route_calo", "calo_gets", "calo_slot",
    "self_calo", "step_fails", "repeated", "unanswered", "waited", "agency_voice", "agency_account",
    "news_voice", "news_case", "quoted", "question_end", "question_word", "hearsay", "no_fee", "official_fee",
    "campaign_call", "campaign_slogan", "hashtags", "reply_start", "rhetoric", "connection", "app_plea",
))


class _Batch:
    """The token arrays of one batch and the vectorised tests the features are made of."""

    def __init__(self, all_bits: np.ndarray) -> None:
        # Only tokens of some class take part; their positions keep the distances.
        self.index = np.flatnonzero(all_bits)
        bits = self.bits = all_bits[self.index]
        self.n = len(bits)
        self.order = np.arange(self.n)
        sep = (bits & _BIT["SEP"]) != 0
        self.row = np.cumsum(sep)  # the SEP token itself counts for the next row; never tested
        self.clause = np.cumsum(sep | ((bits & _BIT["BOUNDARY"]) != 0))
        previous = np.zeros(self.n, dtype=np.int64)  # the class of the token just before, if any
        if self.n:
            adjacent = self.index[1:] - self.index[:-1] == 1
            previous[1:] = np.where(adjacent, bits[:-1], 0)
            if self.index[0] == 0:
                previous[0] = _BIT["SEP"]
        self.previous = previous

    def has(self, *names: str) -> np.ndarray:
        mask = 0
        for name in names:
            mask |= _BIT[name]
        return (self.bits & mask) != 0

    def before(self, first: np.ndarray, then: np.ndarray, window: int) -> np.ndarray:
        """Positions of ``then`` with a ``first`` at most ``window`` tokens earlier in the same clause."""
        last = np.maximum.accumulate(np.where(first, self.order, -1))  # the latest ``first`` so far
        earlier = np.empty(self.n, dtype=np.int64)
        earlier[0] = -1
        earlier[1:] = last[:-1]
        safe = np.maximum(earlier, 0)
        return (then & (earlier >= 0) & (self.index - self.index[safe] <= window)
                & (self.clause[safe] == self.clause))

    def after_previous(self, previous_names: tuple[str, ...], at: np.ndarray) -> np.ndarray:
        mask = 0
        for name in previous_names:
            mask |= _BIT[name]
        return at & ((self.previous & mask) != 0)

    def clause_start(self, at: np.ndarray) -> np.ndarray:
        return self.after_previous(("SEP", "BOUNDARY", "COMMA"), at)


def composition_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """The composition features of a batch of raw texts.

    Parameters
    ----------
    texts : sequence of str
        Raw texts; anything that is not a ``str`` counts as an empty text.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(texts), len(FEATURE_NAMES))
        1.0 where a feature holds for the text (see :data:`FEATURE_NAMES`).
    """
    n, k = len(texts), len(FEATURE_NAMES)
    if n == 0:
        return sp.csr_matrix((0, k), dtype=np.float64)
    tokens = _tokens(texts)
    hits = np.zeros((n, k), dtype=bool)
    if not tokens:
        return sp.csr_matrix(hits, dtype=np.float64)
    b = _Batch(_bits(tokens))
    if not b.n:
        return sp.csr_matrix(hits, dtype=np.float64)
    first_person = b.has("FP")
    demand = b.has("DEMAND")
    calo = b.has("CALO")
    negated = b.after_previous(("NEG",), np.ones(b.n, dtype=bool))
    self_subject = b.clause_start(b.has("FP", "FAMILY"))
    columns = [
        self_subject,
        b.before(b.has("FP", "FAMILY"), demand, 6),
        b.before(b.has("WARGA"), demand, 6),
        b.before(demand, b.has("MONEY"), 6) | b.before(b.has("MONEY"), demand, 5),
        b.before(b.has("ROUTE"), calo, 4),
        b.before(calo, b.has("GETS"), 5),
        b.before(calo, b.has("SLOT"), 6) | b.before(b.has("SLOT"), calo, 6),
        b.before(first_person, calo, 6),
        b.before(b.has("FAIL") | (b.has("ABLE") & negated), b.has("STEP"), 5),
        b.has("REPEAT") | b.before(b.has("NUMBER"), b.has("TIMES"), 1),
        b.before(b.has("REPORT"), b.has("ANSWERED") & negated, 8),
        b.before(b.before(b.has("NUMBER"), b.has("DURATION"), 1), b.has("STILL", "NEG"), 6) | b.has("LONGWAIT"),
        b.has("AGENCY"),
        b.after_previous(("SEP",), b.has("AGENCYNAME")) | b.after_previous(("AT",), b.has("HANDLE", "AGENCYNAME")),
        b.has("NEWS"),
        b.has("CASE"),
        b.has("QUOTE"),
        None,  # question_end: below
        b.clause_start(b.has("QWORD")),
        b.has("HEARSAY"),
        b.before(b.has("NEG", "NOFEE"), b.has("FEEOBJ"), 2) | b.has("FREE"),
        b.has("OFFICIAL"),
        b.before(b.has("CALL"), b.has("CORRUPT"), 5),
        b.has("SLOGAN") | b.after_previous(("HASH",), b.has("TAGCALL")),
        None,  # hashtags: below
        b.after_previous(("SEP",), b.has("AT")),
        b.has("RHETORIC"),
        b.has("CONNECTION"),
        b.before(b.has("PLEA"), b.has("FIX"), 2) | b.has("STAR"),
    ]
    not_sep = ~b.has("SEP")
    for j, at in enumerate(columns):
        if at is not None:
            hits[b.row[at & not_sep], j] = True
    # Counts and ends per row: the quote pair, two hashtags, a final question mark.
    real = np.flatnonzero(not_sep)
    rows_of_real = b.row[real]
    quote_count = np.bincount(b.row[b.has("QUOTE") & not_sep], minlength=n)
    hits[:, FEATURE_NAMES.index("comp:quoted")] = quote_count >= 2
    hits[:, FEATURE_NAMES.index("comp:hashtags")] = np.bincount(b.row[b.has("HASH")], minlength=n) >= 2
    if real.size:
        last_of_row = real[np.r_[rows_of_real[1:] != rows_of_real[:-1], True]]
        ends_with_q = b.has("QMARK")[last_of_row]
        hits[rows_of_real[np.r_[rows_of_real[1:] != rows_of_real[:-1], True]][ends_with_q],
             FEATURE_NAMES.index("comp:question_end")] = True
    return sp.csr_matrix(hits, dtype=np.float64)
