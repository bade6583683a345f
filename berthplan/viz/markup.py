"""The HTML pieces of the report: inline CSS, tables, embedded images, notes and warnings.

Everything is inline: charts are base64 PNG data URIs, the CSS is in a ``<style>`` element, and
nothing is loaded from elsewhere, so the report opens offline as one file. Wide or long tables
sit in a scrolling box, so no table makes the page wider than the window.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_TEXT = ' class="text"'
__all__ = ["CSS", "cell", "esc", "img", "note", "page", "section", "table", "warning"]

CSS = """
* { box-sizing: border-box; }
body { font-family: DejaVu Sans, Arial, sans-serif; margin: 0 auto; padding: 1.5em 2em;
  color: #222; max-width: 1400px; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ccc;
  margin-top: 2.2em; padding-bottom: 0.2em; } h3 { margin-top: 1.4em; }
nav { font-size: 0.9em; margin: 0.5em 0 1em; display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th { background: #f0f0f0; position: sticky; top: 0; } td.text { text-align: left; }
td.text { max-width: 36em; } .scroll td, .scroll th { white-space: nowrap; }
tr.short td { background: #f4c7c3; } tr.tight td { background: #fff2cc; }
tr.at-budget td { background: #f4c7c3; font-weight: bold; } tr.near td { background: #fff2cc; }
tr.total td { font-weight: bold; border-top: 2px solid #888; }
.scroll { max-width: 100%; overflow: auto; max-height: 32em; border: 1px solid #ddd;
  margin: 0.5em 0 1em; } .scroll table { margin: 0; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.kpis { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 0.8em 0; }
.kpi { border: 1px solid #ccc; border-radius: 4px; padding: 0.5em 0.9em; min-width: 12em; }
.kpi b { display: block; font-size: 1.3em; } .kpi span { color: #555; font-size: 0.85em; }
.note { color: #333; background: #f3f6fa; border-left: 4px solid #4c72b0; padding: 0.5em 0.9em; }
.warning { background: #fdecea; border-left: 6px solid #c44e52; padding: 0.6em 1em;
  font-weight: bold; }
"""


def esc(text: object) -> str:
    return html.escape(str(text))


def img(fig: Figure, alt: str) -> str:
    """``fig`` as an ``<img>`` with a base64 PNG data URI (deterministic bytes)."""
    from berthplan.viz.style import png_bytes

    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def cell(value: Any) -> tuple[str, bool]:
    """The text of a table cell and whether it is text (left-aligned)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", False
    if isinstance(value, bool | str):
        return str(value).lower() if isinstance(value, bool) else value, True
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}", False
    return f"{value:,.0f}" if isinstance(value, float) else str(value), False


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    classes: Sequence[str] = (),
    numeric: Sequence[int] = (),
    scroll: bool = True,
) -> str:
    """An HTML table (in a scrolling box unless ``scroll`` is false).

    ``classes`` gives a CSS class per row; ``numeric`` the columns of text to right-align.
    """
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    head = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = []
    for i, row in enumerate(rows):
        cells = [(s, t and j not in numeric) for j, (s, t) in enumerate(map(cell, row))]
        tds = "".join(f"<td{_TEXT if t else ''}>{esc(s)}</td>" for s, t in cells)
        cls = f' class="{esc(classes[i])}"' if i < len(classes) and classes[i] else ""
        body.append(f"<tr{cls}>{tds}</tr>")
    out = f"<table>{head}<tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{out}</div>' if scroll else out


def frame(df: pd.DataFrame, empty: str) -> str:
    """A DataFrame as a scrolling table, or ``empty`` as a paragraph when it has no rows."""
    if df.empty:
        return f"<p>{esc(empty)}</p>"
    return table([str(c) for c in df.columns], [list(r) for r in df.itertuples(index=False)])


def note(text: str) -> str:
    """A paragraph of explanation (``text`` is HTML)."""
    return f'<p class="note">{text}</p>'


def warning(text: str) -> str:
    """A paragraph no reader should miss (``text`` is HTML)."""
    return f'<p class="warning" role="alert">{text}</p>'


def section(key: str, title: str, parts: Sequence[str]) -> str:
    """A ``<section>`` with an ``id`` (the navigation's anchor) and an ``<h2>`` heading."""
    return f'<section id="{esc(key)}">\n<h2>{esc(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


def page(title: str, head: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: ``head`` (HTML) under the title, a navigation line, the sections.

    ``sections`` holds (id, heading, HTML) triples.
    """
    nav = "".join(f'<a href="#{esc(k)}">{esc(t)}</a>' for k, t, _ in sections)
    body = "\n".join(html_ for _, _, html_ in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n{head}\n<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )
