"""An official paper copy (bản giấy) of a signed PDF: each page of the signed document,
its visible signature stamps included, drawn a little smaller on a new page of the same
size, above a band that carries a QR code (the verification link) and a few lines of
text (the document number, where to verify it, who printed it).

The copy is a new, unsigned PDF meant for the printer; the signed original is untouched."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from .font import embed_font, font_path, normalise, subset_font

BAND = 96.0  # points at the bottom of each page for the QR code and the lines
MARGIN = 18.0
QR_SIZE = 78.0
TEXT_SIZE = 8.0


def _number(value: float) -> bytes:
    return f"{value:.3f}".rstrip("0").rstrip(".").encode()


def _qr_ops(modules: Sequence[Sequence[bool]], x: float, y: float) -> bytes:
    """The QR code's dark modules as filled squares, its top-left corner at (x, y + size)."""
    count = len(modules)
    side = QR_SIZE / count
    ops = [b"q 0 g"]
    for row, line in enumerate(modules):
        for col, dark in enumerate(line):
            if dark:
                ops.append(b"%s %s %s %s re" % (
                    _number(x + col * side), _number(y + (count - 1 - row) * side),
                    _number(side), _number(side)))
    ops.append(b"f Q")
    return b"\n".join(ops)


def _stamps(writer: PdfFileWriter, page: generic.DictionaryObject
            ) -> list[tuple[generic.PdfObject, list[float], list[float]]]:
    """The page's widget annotations with a normal appearance (a visible signature),
    imported: (appearance, its /Rect, its /BBox)."""
    found = []
    for ref in page.get("/Annots", generic.ArrayObject()):
        annot = ref.get_object()
        try:
            appearance = annot["/AP"]["/N"]
            rect = [float(v) for v in annot["/Rect"]]
            stream = appearance.get_object()
            raw = [float(v) for v in stream.get("/BBox", [0, 0, rect[2] - rect[0],
                                                          rect[3] - rect[1]])]
            rect = [min(rect[0], rect[2]), min(rect[1], rect[3]),
                    max(rect[0], rect[2]), max(rect[1], rect[3])]
            box = [min(raw[0], raw[2]), min(raw[1], raw[3]), max(raw[0], raw[2]),
                   max(raw[1], raw[3])]
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if isinstance(stream, generic.StreamObject) and box[2] > box[0] and box[3] > box[1]:
            found.append((writer.import_object(appearance), rect, box))
    return found


def paper_copy_pdf(pdf: bytes, *, lines: Sequence[str],
                   qr_modules: Sequence[Sequence[bool]]) -> bytes:
    """The paper copy of `pdf`: every page shrunk above a band holding the QR code
    (`qr_modules`, rows of dark/light modules with their quiet zone) and `lines` of text."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    writer = PdfFileWriter()
    texts = [normalise(line) for line in lines]
    subset = subset_font(font_path(None), frozenset("".join(texts)))
    font = embed_font(writer, subset)
    count = int(reader.root["/Pages"]["/Count"])
    for index in range(count):
        page_ref, _ = reader.find_page_for_modification(index)
        page = page_ref.get_object()
        left, bottom, right, top = (float(v) for v in page["/MediaBox"])
        width, height = right - left, top - bottom
        scale = min((height - BAND - MARGIN) / height, (width - 2 * MARGIN) / width)
        dx = (width - width * scale) / 2
        dy = BAND
        xobjects = generic.DictionaryObject({
            generic.NameObject("/Page"): writer.import_page_as_xobject(reader, index)})
        ops = [b"q %s 0 0 %s %s %s cm 0.6 G 0.5 w %s %s %s %s re S Q" % (
            _number(scale), _number(scale), _number(dx), _number(dy), _number(left),
            _number(bottom), _number(width), _number(height)),
            b"q %s 0 0 %s %s %s cm /Page Do Q" % (
            _number(scale), _number(scale), _number(dx - left * scale),
            _number(dy - bottom * scale))]
        for number, (stamp, rect, box) in enumerate(_stamps(writer, page)):
            name = f"/Stamp{number}"
            xobjects[generic.NameObject(name)] = stamp
            sx = (rect[2] - rect[0]) / (box[2] - box[0]) * scale
            sy = (rect[3] - rect[1]) / (box[3] - box[1]) * scale
            x = dx + (rect[0] - left) * scale - box[0] * sx
            y = dy + (rect[1] - bottom) * scale - box[1] * sy
            ops.append(b"q %s 0 0 %s %s %s cm %s Do Q" % (
                _number(sx), _number(sy), _number(x), _number(y), name.encode()))
        ops.append(_qr_ops(qr_modules, MARGIN, (BAND - QR_SIZE) / 2))
        text_x = MARGIN + QR_SIZE + 10
        for row, text in enumerate(texts):
            y = BAND - 16 - row * (TEXT_SIZE + 4)
            ops.append(b"BT /F1 %s Tf %s %s Td %s Tj ET" % (
                _number(TEXT_SIZE), _number(text_x), _number(y), subset.encode(text)))
        contents = writer.add_object(generic.StreamObject(stream_data=b"\n".join(ops)))
        resources = generic.DictionaryObject({
            generic.NameObject("/Font"): generic.DictionaryObject({
                generic.NameObject("/F1"): font}),
            generic.NameObject("/XObject"): xobjects})
        writer.insert_page(PageObject(contents, (0, 0, width, height), resources))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
