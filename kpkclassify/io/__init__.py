"""Reading and writing users' files: tables (CSV/TSV/JSONL/xlsx, encodings, delimiters), labelled
data, atomic output. Knows nothing of models.
"""
