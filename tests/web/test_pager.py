"""The one pager of the list pages (my dossiers, users, incidents, kept messages,
registers): links to the pages before and after, none past either end."""

from __future__ import annotations

PAGER = ('{% from "macros/pager.html" import pager %}'
         '{% macro link(n) %}/x?trang={{ n }}{% endmacro %}{{ pager(page, pages, link) }}')


def test_pager_links_the_pages_around_this_one(app):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(PAGER)
        assert template.render(page=1, pages=1).strip() == ""
        middle = template.render(page=2, pages=3)
        assert 'href="/x?trang=1"' in middle and 'href="/x?trang=3"' in middle
        assert "Trang 2 / 3" in middle and 'class="pager no-print"' in middle
        last = template.render(page=3, pages=3)
        assert "trang=4" not in last and "Trang sau" not in last and "Trang trước" in last
        first = template.render(page=1, pages=3)
        assert "trang=0" not in first and "Trang trước" not in first
