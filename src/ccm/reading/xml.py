"""XML documents (C-CDA) parsed safely and within bounds.

lxml (libxml2) is fast and keeps line numbers, but its defaults are not for hostile input:
here entities are never expanded (no billion laughs, no XXE), no DTD is loaded, nothing is
fetched from the network, and a document type declaration is refused outright (no C-CDA
has one). The element count and nesting are held to `Limits.entries` and `Limits.depth`.
"""

from __future__ import annotations

from lxml import etree

from ccm.reading.limits import DEFAULT_LIMITS, InputError, Limits


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(
    data: bytes | bytearray, label: str, limits: Limits = DEFAULT_LIMITS
) -> etree._Element:
    """The root element of DATA, or `InputError` naming the line at fault.

    The bytes go to libxml2 undecoded: it reads the XML declaration's encoding itself
    (UTF-8, UTF-16 with a byte order mark, ISO-8859-1…)."""
    if (
        b"<!DOCTYPE" in data[:4096]
        or b"<!ENTITY" in data
        or b"<\x00!\x00D\x00O\x00C" in data[:8192]
    ):
        raise InputError(label, "has a document type declaration (<!DOCTYPE>/<!ENTITY>): refused")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        message = str(error.msg or error).split(", line ")[0][:200]
        raise InputError(
            f"{label}:{line}" if line else label, f"not well-formed XML ({message})"
        ) from None
    if root is None:
        raise InputError(label, "no XML element")
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise InputError(label, "has a document type declaration: refused")
    _check_shape(root, label, limits)
    return root


def _check_shape(root: etree._Element, label: str, limits: Limits) -> None:
    """At most `limits.entries` elements, nested at most `limits.depth` deep (XPath, in C:
    walking the tree in Python cost a fifth of reading a document)."""
    count = root.xpath("count(//*)")
    if isinstance(count, float) and count > limits.entries:
        raise InputError(label, f"more than {limits.entries:,} XML elements")
    too_deep = root.xpath("/" + "/".join(["*"] * (limits.depth + 1)))
    if isinstance(too_deep, list) and too_deep:
        first = too_deep[0]
        line = first.sourceline if isinstance(first, etree._Element) else None
        raise InputError(
            f"{label}:{line}" if line else label, f"XML nested deeper than {limits.depth} elements"
        )
