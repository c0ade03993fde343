"""Shared fixtures: a tiny labelled data set written for the tests, and a model fitted on it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

# Short texts written for these tests only (not part of the training corpus).
ILLEGAL_FEE = [
    "petugas minta uang 100rb biar ktp cepat jadi",
    "disuruh bayar 50 ribu ke oknum buat urus sim",
    "calo di samsat minta 300rb untuk balik nama",
    "kepala desa pungut 500rb per sertifikat ptsl",
    "polisi minta uang damai 200rb waktu ditilang",
    "sekolah tarik sumbangan wajib 2 juta ke wali murid",
    "preman pasar memalak pedagang 20rb tiap hari",
    "harus kasih amplop ke petugas biar berkas diproses",
    "oknum dinas minta setoran 10 juta untuk izin usaha",
    "bayar pelicin 150rb supaya antrean dilewati",
    "staf kelurahan minta uang rokok 50rb buat surat pindah",
    "penerimaan pegawai harus setor 100 juta ke orang dalam",
]
SLOW_SERVICE = [
    "ktp saya sudah tiga bulan belum jadi juga",
    "laporan ke polisi enam bulan tidak diproses",
    "antre dari pagi sampai sore belum dipanggil",
    "pengaduan saya tidak ditanggapi sudah dua minggu",
    "berkas dioper ke sana kemari tidak selesai",
    "sertifikat tanah belum terbit padahal sudah setahun",
    "klaim bpjs tertunda terus sejak bulan lalu",
    "call center tidak pernah mengangkat telepon",
    "paspor dijanjikan seminggu ternyata sebulan belum jadi",
    "pencairan bansos ditunda lagi untuk ketiga kalinya",
    "aplikasi gagal verifikasi terus tiga hari jadi tidak bisa daftar",
    "surat izin belum keluar padahal sudah lewat batas waktu",
]
CAMPAIGN = [
    "ayo tolak pungli dan laporkan ke saber pungli",
    "layanan kami gratis tanpa pungutan biaya apapun",
    "deklarasi zona integritas menuju wbk di kantor kami",
    "sosialisasi antikorupsi untuk pelajar bersama kpk",
    "stop gratifikasi jaga integritas pegawai",
    "peringatan hakordia dengan semangat lawan korupsi",
    "mari bersama wujudkan pelayanan bersih bebas korupsi",
    "penandatanganan pakta integritas seluruh pegawai dinas",
    "laporkan jika ada petugas meminta imbalan",
    "kampanye antipungli di sekolah oleh inspektorat",
    "kami berkomitmen melayani tanpa suap dan tanpa calo",
    "budayakan malu korupsi mulai dari diri sendiri",
]
OTHER = [
    "jalan di depan rumah rusak parah banyak lubang",
    "makanan di warung ini enak dan murah",
    "hari ini hujan deras banjir di mana mana",
    "koruptor harus dihukum mati biar jera",
    "biaya resmi paspor sesuai peraturan pemerintah",
    "sinyal internet lemot banget dari tadi",
    "terima kasih petugas yang ramah dan cepat",
    "besok ada kerja bakti di lapangan desa",
    "harga cabai naik lagi minggu ini",
    "pertandingan bola semalam seru sekali",
    "mohon maaf atas kendalanya silakan kirim pesan langsung",
    "sidang kasus korupsi menteri ditunda pekan depan",
]
TWO_LABELS = [
    ("sudah dua bulan ktp belum jadi, katanya kalau bayar 200rb bisa cepat", "illegal_fee|slow_service"),
    ("izin usaha ditahan berbulan bulan sampai kami kasih uang pelicin", "illegal_fee|slow_service"),
    ("antre lama sekali lalu petugas minta uang supaya didahulukan", "illegal_fee|slow_service"),
]


def labelled_rows() -> list[tuple[str, str]]:
    rows = [(t, "illegal_fee") for t in ILLEGAL_FEE]
    rows += [(t, "slow_service") for t in SLOW_SERVICE]
    rows += [(t, "campaign") for t in CAMPAIGN]
    rows += [(t, "other") for t in OTHER]
    rows += TWO_LABELS
    return rows


@pytest.fixture(scope="session")
def rows() -> list[tuple[str, str]]:
    return labelled_rows()


@pytest.fixture(scope="session")
def fitted(rows):
    from kpkclassify import Classifier

    texts, labels = zip(*rows)
    return Classifier(cv=3, min_df=1).fit(list(texts), list(labels))


@pytest.fixture(scope="session")
def model_path(fitted, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "small.skops"
    fitted.save(path)
    return path


@pytest.fixture()
def labelled_csv(tmp_path, rows) -> Path:
    path = tmp_path / "labelled.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "labels"])
        writer.writerows(rows)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[list[str]]:
    with open(path, newline="", encoding=encoding) as fh:
        return list(csv.reader(fh, delimiter=delimiter))
