"""A procedure's BPMN diagram drawn as SVG from its own diagram interchange (the
coordinates the modeller saved), with elements marked added, removed or changed when
two versions are compared. Drawn on the server: no script runs in the page."""

from __future__ import annotations

from typing import Any

from lxml import etree
from markupsafe import Markup, escape

from engine.bpmn.parser import parse_xml_safely
from engine.procedures.bundle import BPMN_FILE

DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI"}
MARK_COLOURS = {"added": ("#1e7b34", "#e3f4e6"), "removed": ("#b3261e", "#fbe4e2"),
                "changed": ("#a05a00", "#fdf0d5")}
PLAIN = ("#37474f", "#ffffff")
GATEWAY_SIGNS = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○",
                 "eventBasedGateway": "⬠"}
CHAR_PX = 6.4  # average width of a 11 px sans-serif letter, to wrap names


def diagram_svg(files: dict[str, str], marks: dict[str, str] | None = None,
                title: str = "") -> Markup | None:
    """The diagram, or None when the BPMN has no diagram interchange to draw from."""
    text = files.get(BPMN_FILE)
    if not text:
        return None
    try:
        root = parse_xml_safely(text.encode(), BPMN_FILE)
    except Exception:  # an unreadable stored diagram is simply not drawn
        return None
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    shapes = root.findall(".//bpmndi:BPMNShape", DI)
    edges = root.findall(".//bpmndi:BPMNEdge", DI)
    if not shapes:
        return None
    marks = marks or {}
    boxes = [_bounds(s) for s in shapes]
    left = min(b[0] for b in boxes) - 10
    top = min(b[1] for b in boxes) - 10
    right = max(b[0] + b[2] for b in boxes) + 10
    bottom = max(b[1] + b[3] for b in boxes) + 10
    parts: list[str] = []
    # lanes and pools first, so everything else is drawn over them
    order = sorted(zip(shapes, boxes, strict=True),
                   key=lambda sb: 0 if _kind(elements.get(sb[0].get("bpmnElement"))) in (
                       "participant", "lane") else 1)
    for shape, box in order:
        element_id = shape.get("bpmnElement") or ""
        parts.append(_shape(elements.get(element_id), element_id, box, marks.get(element_id)))
    for edge in edges:
        element_id = edge.get("bpmnElement") or ""
        parts.append(_edge(edge, element_id, marks.get(element_id)))
    view = f"{left:.0f} {top:.0f} {right - left:.0f} {bottom - top:.0f}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bpmn" viewBox="{view}" '
        f'width="{right - left:.0f}" height="{bottom - top:.0f}" role="img" '
        f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif" font-size="11">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#37474f"/></marker></defs>' + "".join(parts) + "</svg>")


def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", DI)
    if b is None:
        return (0.0, 0.0, 0.0, 0.0)
    return tuple(float(b.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def _kind(element: etree._Element | None) -> str:
    return etree.QName(element).localname if element is not None else ""


def _colours(mark: str | None) -> tuple[str, str, str]:
    stroke, fill = MARK_COLOURS.get(mark or "", PLAIN)
    return stroke, fill, "3" if mark else "1.5"


def _shape(element: etree._Element | None, element_id: str,
           box: tuple[float, float, float, float], mark: str | None) -> str:
    x, y, w, h = box
    kind = _kind(element)
    name = (element.get("name") if element is not None else "") or ""
    stroke, fill, width = _colours(mark)
    label = f'<title>{escape(name or element_id)}{f" ({mark})" if mark else ""}</title>'
    group = _group(element_id, mark)
    if kind in ("participant", "lane"):
        # the name reads upwards in the band at the left edge, as modellers draw it
        cx, cy = x + 15, y + h / 2
        return (f'{group}{label}<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" '
                f'stroke="#90a4ae" stroke-width="1"/>'
                f'<text x="{cx}" y="{cy + 4}" text-anchor="middle" fill="#546e7a" '
                f'font-weight="bold" transform="rotate(-90 {cx} {cy})">'
                f'{escape(_fit(name, h - 10))}</text></g>')
    if kind.endswith("Event"):
        r = min(w, h) / 2
        cx, cy = x + w / 2, y + h / 2
        ring = "4" if kind == "endEvent" else width
        inner = (f'<circle cx="{cx}" cy="{cy}" r="{r - 4}" fill="none" stroke="{stroke}"/>'
                 if kind in ("boundaryEvent", "intermediateCatchEvent") else "")
        return (f'{group}{label}<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{ring}"/>{inner}'
                f'{_text(name, cx, y + h + 14, 120)}</g>')
    if kind.endswith("Gateway"):
        cx, cy = x + w / 2, y + h / 2
        points = f"{cx},{y} {x + w},{cy} {cx},{y + h} {x},{cy}"
        return (f'{group}{label}<polygon points="{points}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{width}"/><text x="{cx}" y="{cy + 6}" text-anchor="middle" '
                f'font-size="18" fill="{stroke}">{GATEWAY_SIGNS.get(kind, "")}</text>'
                f'{_text(name, cx, y + h + 14, 140)}</g>')
    return (f'{group}{label}<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>'
            f'{_icon(kind, x + 6, y + 5, stroke)}'
            f'{_text(name, x + w / 2, y + h / 2 + 2, w - 10)}</g>')


def _icon(kind: str, x: float, y: float, colour: str) -> str:
    """A small mark in the task's corner: a person for a user task, a cog for a service."""
    if kind == "userTask":
        return (f'<circle cx="{x + 5}" cy="{y + 3.5}" r="3" fill="none" stroke="{colour}"/>'
                f'<path d="M{x},{y + 13} q5,-8 10,0" fill="none" stroke="{colour}"/>')
    if kind == "serviceTask":
        return (f'<circle cx="{x + 5}" cy="{y + 6}" r="4.5" fill="none" stroke="{colour}" '
                f'stroke-width="2.5" stroke-dasharray="2 1.5"/>')
    return ""


def _fit(name: str, length: float) -> str:
    """The name cut to what fits along `length` pixels."""
    most = max(4, int(length / CHAR_PX))
    return name if len(name) <= most else name[:most - 1] + "…"


def _group(element_id: str, mark: str | None) -> str:
    marked = f' data-mark="{escape(mark)}"' if mark else ""
    return f'<g data-element="{escape(element_id)}"{marked}>'


def _text(name: str, cx: float, y: float, width: float) -> str:
    if not name:
        return ""
    per_line = max(6, int(width / CHAR_PX))
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    lines = lines[:4]
    start = y - (len(lines) - 1) * 6.5
    spans = "".join(f'<tspan x="{cx:.1f}" y="{start + i * 13:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text text-anchor="middle" fill="#263238">{spans}</text>'


def _edge(edge: etree._Element, element_id: str, mark: str | None) -> str:
    points: list[Any] = [(float(p.get("x", "0")), float(p.get("y", "0")))
                         for p in edge.findall("di:waypoint", DI)]
    if len(points) < 2:
        return ""
    stroke, _, width = _colours(mark)
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
    return (f'{_group(element_id, mark)}<polyline points="{path}" fill="none" stroke="{stroke}" stroke-width="{width}" '
            f'marker-end="url(#arrow)"/></g>')
