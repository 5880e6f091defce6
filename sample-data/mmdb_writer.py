"""A small writer of MaxMind DB files (format 2.0), standard library only, for generate.py.

The format (https://maxmind.github.io/MaxMind-DB/): a binary search tree over the address
bits, 16 zero bytes, a data section of typed values, then the metadata marker
b"\\xab\\xcd\\xefMaxMind.com" and a metadata map. This writer builds an IPv6 tree (IPv4
networks sit under ::/96, where readers look for them) with 24-bit records, and supports the
value types a City or ASN record needs: maps, arrays, UTF-8 strings, doubles and unsigned
integers. Identical records are stored once. Output is deterministic.
"""

from __future__ import annotations

import ipaddress
import struct

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
RECORD_BITS = 24


class Uint16(int):
    """An unsigned integer written as uint16 (the metadata and accuracy_radius use it)."""


class Uint32(int):
    """An unsigned integer written as uint32 (node_count, AS numbers)."""


class Uint64(int):
    """An unsigned integer written as uint64 (build_epoch)."""


def _control(type_number: int, size: int) -> bytes:
    """The control byte(s) of a value of `type_number` holding `size` (bytes or entries)."""
    if size < 29:
        head, extra = size, b""
    elif size < 29 + 256:
        head, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        head, extra = 30, (size - 285).to_bytes(2, "big")
    else:
        head, extra = 31, (size - 65821).to_bytes(3, "big")
    if type_number <= 7:
        return bytes([(type_number << 5) | head]) + extra
    return bytes([head, type_number - 7]) + extra  # extended type


def encode(value) -> bytes:
    """One value in the data-section encoding."""
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _control(2, len(raw)) + raw
    if isinstance(value, float):
        return _control(3, 8) + struct.pack(">d", value)
    if isinstance(value, (Uint16, Uint32, Uint64)):
        type_number, width = {Uint16: (5, 2), Uint32: (6, 4), Uint64: (9, 8)}[type(value)]
        if not 0 <= value < 1 << (8 * width):
            raise ValueError(f"{value} does not fit {type(value).__name__}")
        raw = int(value).to_bytes(width, "big").lstrip(b"\0")
        return _control(type_number, len(raw)) + raw
    if isinstance(value, dict):
        out = _control(7, len(value))
        for key, item in value.items():
            out += encode(key) + encode(item)
        return out
    if isinstance(value, list):
        return _control(11, len(value)) + b"".join(encode(item) for item in value)
    raise TypeError(f"no MaxMind DB encoding for {type(value).__name__}: {value!r}")


def _network_bits(cidr: str) -> tuple[int, int]:
    """A network as (address as a 128-bit number, prefix length) in the IPv6 tree."""
    net = ipaddress.ip_network(cidr)
    if net.version == 4:
        return int(net.network_address), 96 + net.prefixlen
    return int(net.network_address), net.prefixlen


def build(records: list[tuple[str, dict]], metadata: dict) -> bytes:
    """A database mapping each CIDR of `records` to its value. Networks must not overlap."""
    nodes: list[list] = [[None, None]]  # each record: None (empty), ("node", i) or ("data", offset)
    data = bytearray()
    offsets: dict[bytes, int] = {}
    for cidr, value in records:
        encoded = encode(value)
        if encoded not in offsets:
            offsets[encoded] = len(data)
            data += encoded
        address, prefix = _network_bits(cidr)
        node = 0
        for depth in range(prefix):
            bit = (address >> (127 - depth)) & 1
            slot = nodes[node][bit]
            if depth == prefix - 1:
                if slot is not None:
                    raise ValueError(f"{cidr} overlaps another network")
                nodes[node][bit] = ("data", offsets[encoded])
            elif slot is None:
                nodes.append([None, None])
                nodes[node][bit] = ("node", len(nodes) - 1)
                node = len(nodes) - 1
            elif slot[0] == "node":
                node = slot[1]
            else:
                raise ValueError(f"{cidr} lies inside another network")
    count = len(nodes)

    def record(slot) -> int:
        if slot is None:
            return count
        kind, n = slot
        return n if kind == "node" else count + 16 + n

    tree = bytearray()
    for left, right in nodes:
        for slot in (left, right):
            value = record(slot)
            if value >= 1 << RECORD_BITS:
                raise ValueError("database too large for 24-bit records")
            tree += value.to_bytes(3, "big")
    meta = dict(metadata)
    meta.update({
        "binary_format_major_version": Uint16(2),
        "binary_format_minor_version": Uint16(0),
        "ip_version": Uint16(6),
        "node_count": Uint32(count),
        "record_size": Uint16(RECORD_BITS),
    })
    return bytes(tree) + bytes(16) + bytes(data) + METADATA_MARKER + encode(dict(sorted(meta.items())))
