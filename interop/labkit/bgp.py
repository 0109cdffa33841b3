"""Raw BGP UPDATE messages: the path attributes."""


def update_parts(body):
    """An UPDATE body (after the 19-octet header) -> (withdrawn routes, path attributes, NLRI) as bytes."""
    wl = int.from_bytes(body[0:2], "big")
    off = 2 + wl
    al = int.from_bytes(body[off:off + 2], "big")
    return body[2:off], body[off + 2:off + 2 + al], body[off + 2 + al:]


def attributes(data):
    """A path attribute block -> [(flags, type, value)]."""
    out, off = [], 0
    while off < len(data):
        flags, typ = data[off], data[off + 1]
        if flags & 0x10:   # extended length
            ln, off = int.from_bytes(data[off + 2:off + 4], "big"), off + 4
        else:
            ln, off = data[off + 2], off + 3
        out.append((flags, typ, data[off:off + ln]))
        off += ln
    return out


def update_attributes(body):
    """UPDATE body (after the 19-octet header) -> {type: (flags, value)}."""
    return {typ: (flags, value) for flags, typ, value in attributes(update_parts(body)[1])}
