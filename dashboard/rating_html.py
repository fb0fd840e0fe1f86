"""HTML of the residents' rating page (dashboard/rating_page.py): one page template and the form. Every value
is escaped; no script, no web font, no file from elsewhere — a phone on a poor connection gets ~3 KB."""

from __future__ import annotations

from collections.abc import Callable

from dashboard.markup import escape

_STYLE = """
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 color:#1f2933;background:#f0f3f7}
main{max-width:480px;margin:0 auto;padding:16px}
h1{font-size:21px;margin:4px 0 12px;color:#1d4f91}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin-bottom:14px;box-shadow:0 1px 2px #0001}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0;font-size:15px}
dt{color:#6b7785}dd{margin:0;word-break:break-all}
fieldset{border:0;padding:0;margin:0 0 12px}legend{font-weight:600;margin-bottom:8px}
label.choice{display:flex;align-items:center;gap:10px;border:1px solid #c9d2dc;border-radius:8px;
 padding:12px;margin-bottom:8px;font-size:17px}
label.choice input{width:22px;height:22px;margin:0}
textarea{box-sizing:border-box;width:100%;min-height:96px;font:inherit;padding:8px;border:1px solid #c9d2dc;
 border-radius:8px}
button{width:100%;padding:14px;font:inherit;font-size:18px;color:#fff;background:#1d4f91;border:0;
 border-radius:8px;margin-top:12px}
.problem{background:#fdecea;color:#8a1c1c;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.lang{float:right;font-size:14px;color:#1d4f91}
"""


def page(lang: str, title: str, body: str, other_language: str) -> str:
    """A whole page: ``body`` is HTML built by this module (already escaped)."""
    other = "en" if lang == "zh" else "zh"
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
            f'<a class="lang" href="?lang={other}">{escape(other_language)}</a>'
            f"<h1>{escape(title)}</h1>{body}</main></body></html>")


def form_body(tr: Callable[[str], str], view, dates: dict[str, str], lang: str, problem: str, chosen: str,
              comment: str, ratings: list[str], max_comment: int) -> str:
    """The case (number, kind, dates) and the rating form; ``problem`` (already worded) above the form."""
    facts = "".join(f"<dt>{escape(tr(label))}</dt><dd>{escape(value)}</dd>" for label, value in [
        ("rating_case", view.number), ("rating_category", view.category or "—"),
        ("rating_reported", dates["reported_at"]), ("rating_closed", dates["closed_at"]),
        ("rating_valid_until", dates["expires_at"])])
    choices = "".join(
        f'<label class="choice"><input type="radio" name="rating" value="{escape(r)}"'
        f'{" checked" if r == chosen else ""} required> {escape(tr("rating_" + r))}</label>' for r in ratings)
    warning = f'<p class="problem" role="alert">{escape(problem)}</p>' if problem else ""
    return (f'<p>{escape(tr("rating_intro"))}</p><div class="card"><dl>{facts}</dl></div>'
            f'<form class="card" method="post" action="?lang={lang}">{warning}'
            f'<fieldset><legend>{escape(tr("rating_choice"))}</legend>{choices}</fieldset>'
            f'<label for="comment">{escape(tr("rating_comment").format(n=max_comment))}</label>'
            f'<textarea id="comment" name="comment" maxlength="{max_comment}">{escape(comment)}</textarea>'
            f'<button type="submit">{escape(tr("rating_submit"))}</button></form>')
