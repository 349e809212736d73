"""A one-page sample result document (A4, Vietnamese text), for tests, benchmarks
and demos that need a PDF to sign without the result renderer."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from .font import embed_font, font_path, normalise, subset_font

A4 = (0.0, 0.0, 595.28, 841.89)


def sample_pdf(
    title: str = "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    lines: tuple[str, ...] = (
        "Ủy ban nhân dân xã Tân Phú xác nhận:",
        "Ông Trần Đức Hưng, sinh ngày 12/04/1990, hiện cư trú tại thôn Đông, xã Tân Phú.",
        "Tình trạng hôn nhân: chưa đăng ký kết hôn với ai.",
        "Giấy này có giá trị sử dụng trong thời hạn 06 tháng kể từ ngày cấp.",
    ),
    font: Path | None = None,
) -> bytes:
    """A PDF with a centred title and body lines, drawn with the stamp font."""
    title, lines = normalise(title), tuple(normalise(line) for line in lines)
    subset = subset_font(font_path(font), frozenset(title + "".join(lines)))
    writer = PdfFileWriter()
    width = A4[2]
    ops = [
        b"BT /F1 15 Tf %g 760 Td %s Tj ET"
        % ((width - subset.width(title, 15)) / 2, subset.encode(title))
    ]
    for index, line in enumerate(lines):
        ops.append(b"BT /F1 11 Tf 72 %g Td %s Tj ET" % (710 - 20 * index, subset.encode(line)))
    contents = writer.add_object(generic.StreamObject(stream_data=b"\n".join(ops)))
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): embed_font(writer, subset)}
            )
        }
    )
    writer.insert_page(PageObject(contents, A4, resources))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
