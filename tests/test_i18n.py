"""The back office speaks Indonesian: a complete catalog, and pages and labels that switch language."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

import oms
from oms.sales.models import SalesOrder
from oms.sales.states import OrderStatus

ID_CATALOG = Path(oms.__file__).resolve().parent / "locale" / "id" / "LC_MESSAGES" / "django.po"


def po_entries(path: Path) -> list[dict]:
    """A small .po reader (no polib dependency): each entry's flags, msgid, msgid_plural and msgstr(s)."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += value
            else:
                entry[key] += value
        else:
            keyword, _, value = line.partition(" ")
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                key = ("msgstr", keyword[len("msgstr["):-1] if "[" in keyword else "")
                entry["msgstr"][key[1]] = value
            else:
                key = keyword
                entry[key] = value
    return entries


def test_indonesian_catalog_is_complete_and_not_fuzzy():
    entries = po_entries(ID_CATALOG)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "Language: id\n" in header["msgstr"][""]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header["msgstr"][""]
    assert len(messages) > 100
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert not entry.get("obsolete"), entry["msgid"]
    for entry in messages:
        assert entry["msgstr"], entry["msgid"]
        assert all(value.strip() for value in entry["msgstr"].values()), entry["msgid"]
        if "msgid_plural" in entry:
            assert set(entry["msgstr"]) == {"0"}, entry["msgid"]  # Indonesian has one plural form


@pytest.mark.django_db
def test_sales_order_list_follows_the_browser_language(client, admin_user):
    client.force_login(admin_user)
    with translation.override("id"):
        plural_id = str(SalesOrder._meta.verbose_name_plural)
    assert plural_id == "pesanan penjualan"
    page_id = client.get("/admin/sales/salesorder/", HTTP_ACCEPT_LANGUAGE="id")
    assert page_id.status_code == 200
    assert plural_id in page_id.content.decode().lower()
    page_en = client.get("/admin/sales/salesorder/", HTTP_ACCEPT_LANGUAGE="en")
    assert page_en.status_code == 200
    text_en = page_en.content.decode()
    assert "sales orders" in text_en.lower() and plural_id not in text_en.lower()


def test_model_labels_switch_language():
    with translation.override("en"):
        assert str(SalesOrder._meta.verbose_name) == "sales order"
        assert str(OrderStatus.ON_HOLD.label) == "on hold"
    with translation.override("id"):
        assert str(SalesOrder._meta.verbose_name) == "pesanan penjualan"
        assert str(SalesOrder._meta.get_field("warehouse").verbose_name) == "gudang"
        assert str(OrderStatus.ON_HOLD.label) == "ditahan"
        assert str(OrderStatus.DRAFT.label) == "draf (penawaran)"
