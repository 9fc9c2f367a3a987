"""Raw FIX tag=value text <-> a message of ordered fields (pure Python).

The quickfix engine owns sessions (logon, sequence numbers, resends, checksums on the socket); this
module only turns one message into fields and back, so that the codec can be tested without it and
the engine adapter stays a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SOH = "\x01"
HEADER_TAGS = frozenset({8, 9, 35, 49, 56, 34, 52, 43, 97, 122, 115, 128, 50, 57, 142, 143, 116, 144, 129, 145})
TRAILER_TAGS = frozenset({10, 93, 89})


@dataclass(frozen=True)
class FixMessage:
    """One application message: its MsgType and body fields in order (repeating groups kept as repeats)."""

    msg_type: str
    fields: tuple[tuple[int, str], ...]
    header: tuple[tuple[int, str], ...] = field(default=())

    def get(self, tag: int) -> str | None:
        for key, value in self.fields:
            if key == tag:
                return value
        return None

    def all(self, tag: int) -> list[str]:
        return [value for key, value in self.fields if key == tag]

    def header_get(self, tag: int) -> str | None:
        for key, value in self.header:
            if key == tag:
                return value
        return None


def message(msg_type: str, *pairs: tuple[int, str | None]) -> FixMessage:
    """Build a message, leaving out fields whose value is None."""
    return FixMessage(msg_type, tuple((tag, value) for tag, value in pairs if value is not None))


def checksum(text: str) -> str:
    return f"{sum(text.encode('latin-1')) % 256:03d}"


def encode(msg: FixMessage, *, begin_string: str = "FIX.4.4", sender: str = "SENDER", target: str = "TARGET",
           seq_num: int = 1, sending_time: str = "20260101-00:00:00.000000") -> str:
    """A complete message with BodyLength and CheckSum (the engine does this on a live session)."""
    header = [(35, msg.msg_type), (49, sender), (56, target), (34, str(seq_num)), (52, sending_time)]
    body = "".join(f"{tag}={value}{SOH}" for tag, value in [*header, *msg.fields])
    head = f"8={begin_string}{SOH}9={len(body.encode('latin-1'))}{SOH}"
    return f"{head}{body}10={checksum(head + body)}{SOH}"


def decode(raw: str) -> FixMessage:
    """Split a complete message into header and body fields; BodyLength and CheckSum are checked."""
    if not raw.endswith(SOH):
        raise ValueError("a FIX message ends with SOH")
    pairs: list[tuple[int, str]] = []
    for part in raw[:-1].split(SOH):
        tag, sep, value = part.partition("=")
        if not sep or not tag.isdigit():
            raise ValueError(f"malformed field {part!r}")
        pairs.append((int(tag), value))
    if len(pairs) < 4 or pairs[0][0] != 8 or pairs[1][0] != 9 or pairs[2][0] != 35 or pairs[-1][0] != 10:
        raise ValueError("a FIX message starts with 8, 9, 35 and ends with 10")
    trailer_at = raw.rindex(f"{SOH}10=") + 1
    if checksum(raw[:trailer_at]) != pairs[-1][1]:
        raise ValueError("wrong CheckSum")
    body_start = raw.index(f"{SOH}35=") + 1
    if len(raw[body_start:trailer_at].encode("latin-1")) != int(pairs[1][1]):
        raise ValueError("wrong BodyLength")
    header = tuple(p for p in pairs if p[0] in HEADER_TAGS)
    body = tuple(p for p in pairs if p[0] not in HEADER_TAGS and p[0] not in TRAILER_TAGS)
    return FixMessage(pairs[2][1], body, header)
