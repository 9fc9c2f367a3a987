"""A small reader of a QuickFIX data dictionary (``FIX44.xml``), for checking what the codec sends.

The engine validates live traffic with the same file (``DataDictionary`` session setting); this
reader lets pure tests check that every tag, enum value and required field of our messages is right
without an engine or a socket.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from oms.trading.fix.wire import FixMessage

try:  # the optional "fix" extra: only used here to find the spec files it installs
    import quickfix
except ImportError:  # pragma: no cover - depends on the installation
    quickfix = None


@dataclass(frozen=True)
class FieldDef:
    number: int
    name: str
    type: str
    enums: frozenset[str]


class FixDictionary:
    def __init__(self, path: str | os.PathLike) -> None:
        root = ET.parse(path).getroot()
        self.version = f"FIX.{root.get('major')}.{root.get('minor')}"
        self.fields: dict[int, FieldDef] = {}
        self.numbers: dict[str, int] = {}
        for node in root.find("fields"):
            number = int(node.get("number"))
            self.fields[number] = FieldDef(number, node.get("name"), node.get("type"),
                                           frozenset(value.get("enum") for value in node.findall("value")))
            self.numbers[node.get("name")] = number
        self._components = {node.get("name"): node for node in root.find("components")}
        self._messages = {node.get("msgtype"): node for node in root.find("messages")}

    def message_name(self, msg_type: str) -> str:
        return self._messages[msg_type].get("name")

    def required_tags(self, msg_type: str) -> set[int]:
        """Top-level required fields, including those of required components (recursively)."""
        return self._required(self._messages[msg_type])

    def allowed_tags(self, msg_type: str) -> set[int]:
        return self._all(self._messages[msg_type])

    def _required(self, node: ET.Element) -> set[int]:
        tags: set[int] = set()
        for child in node:
            if child.get("required") != "Y":
                continue
            if child.tag in ("field", "group"):
                tags.add(self.numbers[child.get("name")])
            elif child.tag == "component":
                tags |= self._required(self._components[child.get("name")])
        return tags

    def _all(self, node: ET.Element) -> set[int]:
        tags: set[int] = set()
        for child in node:
            if child.tag == "field":
                tags.add(self.numbers[child.get("name")])
            elif child.tag == "group":
                tags.add(self.numbers[child.get("name")])
                tags |= self._all(child)
            elif child.tag == "component":
                tags |= self._all(self._components[child.get("name")])
        return tags

    def problems(self, msg: FixMessage) -> list[str]:
        """What is wrong with ``msg`` against the dictionary (empty when it is valid)."""
        if msg.msg_type not in self._messages:
            return [f"unknown MsgType {msg.msg_type!r}"]
        found: list[str] = []
        present = {tag for tag, _ in msg.fields}
        allowed = self.allowed_tags(msg.msg_type)
        for tag in sorted(self.required_tags(msg.msg_type) - present):
            found.append(f"required {self.fields[tag].name} ({tag}) missing")
        for tag, value in msg.fields:
            definition = self.fields.get(tag)
            if definition is None:
                found.append(f"unknown tag {tag}")
                continue
            if tag not in allowed:
                found.append(f"{definition.name} ({tag}) not allowed in {self.message_name(msg.msg_type)}")
            if definition.enums and definition.type != "MULTIPLEVALUESTRING" and value not in definition.enums:
                found.append(f"{definition.name} ({tag}) value {value!r} not in the dictionary")
        return found


def default_dictionary_path() -> Path | None:
    """``OMS_FIX_DATA_DICTIONARY``, else the FIX44.xml shipped with quickfix, else the project's samples copy."""
    candidates = []
    if configured := os.environ.get("OMS_FIX_DATA_DICTIONARY"):
        candidates.append(Path(configured))
    if quickfix is not None:  # the wheel installs its spec files under <prefix>/share/quickfix
        candidates.append(Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml")
    repo = Path(__file__).resolve().parents[4]
    candidates.append(repo.parent / "shared" / "samples" / "fix-quickfix" / "spec" / "FIX44.xml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None
