"""Tables as files people open without Python: CSV (one file per table) or one Excel workbook.

Parquet stays the format of record; `experiment.format=csv|xlsx` adds these beside it. CSV is
written as UTF-8 with a byte-order mark, so Excel shows Chinese labels correctly. An Excel sheet
holds at most 1,048,576 rows; a larger table (a long sweep's steps) is written as CSV instead,
and the workbook's `contents` sheet says where each table went.

`to_parquet` writes the format of record the same way everywhere. `table_writers` only says
what to write; callers write each file to a temp path and rename it
(model.simulate for a run, experiments.store for a folder), so results on disk are never
half-replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

EXCEL_ROWS = 1_048_576 - 1  # data rows below the header
WORKBOOK = "tables.xlsx"
CSV_ENCODING = "utf-8-sig"


def to_parquet(table: pd.DataFrame, path: Any) -> None:
    """Write `table` as Parquet (no index), dictionary-encoding only the columns that are not
    real-valued: a step table's rates hardly repeat, and trying them costs a third of the write."""
    labels = [str(c) for c, dtype in table.dtypes.items() if dtype.kind != "f"]
    table.to_parquet(path, index=False, use_dictionary=labels)


def table_writers(tables: Mapping[str, pd.DataFrame], fmt: str) -> dict[str, Callable[[str], None]]:
    """File name -> function writing it to a path, for `fmt` csv or xlsx ({} for parquet)."""
    if fmt == "csv":
        return {f"{name}.csv": _csv_writer(table) for name, table in tables.items()}
    if fmt != "xlsx":
        return {}
    sheets = {name: t for name, t in tables.items() if len(t) <= EXCEL_ROWS}
    writers = {f"{n}.csv": _csv_writer(t) for n, t in tables.items() if n not in sheets}
    contents = pd.DataFrame(
        {
            "table": list(tables),
            "rows": [len(t) for t in tables.values()],
            "where": [
                f"sheet {_sheet(n)}" if n in sheets else f"{n}.csv (too many rows for a sheet)"
                for n in tables
            ],
        }
    )
    writers[WORKBOOK] = _workbook_writer({"contents": contents, **sheets})
    return writers


def _csv_writer(table: pd.DataFrame) -> Callable[[str], None]:
    return lambda path: table.to_csv(path, index=False, encoding=CSV_ENCODING)


def _sheet(name: str) -> str:
    return name[:31]  # Excel's limit on sheet names


def _workbook_writer(sheets: Mapping[str, pd.DataFrame]) -> Callable[[str], None]:
    def write(path: str) -> None:
        # a file object: the temp path's suffix is not .xlsx
        with open(path, "wb") as fh, pd.ExcelWriter(fh, engine="openpyxl") as book:
            for name, table in sheets.items():
                _plain(table).to_excel(book, sheet_name=_sheet(name), index=False)

    return write


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Cells Excel can hold: categories as text, lists and dicts as their text."""
    out = table.copy()
    plain = str | int | float
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[c] = col.astype(str)
        elif col.dtype == object:
            out[c] = col.map(lambda v: v if v is None or isinstance(v, plain) else str(v))
    return out


def summary_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """A run's summary.json as rows: all cadres, then by current type and by initial cohort."""
    rows = [{"grouping": "all", "type": "all", **summary["all"]}]
    for grouping in ("type", "cohort"):
        for name, stats in summary[grouping].items():
            rows.append({"grouping": grouping, "type": name, **stats})
    return pd.DataFrame(rows)
