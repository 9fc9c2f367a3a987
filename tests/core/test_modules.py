"""The module registry: which modules are enabled, and refusing an incomplete set at start-up."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from oms.modules import REGISTRY, ModuleDependencyError, check_dependencies, enabled_modules, parse_enabled

ALL = list(REGISTRY)


def test_registry_is_in_dependency_order():
    for position, name in enumerate(ALL):
        for dep in REGISTRY[name].depends:
            assert dep in REGISTRY, f"{name} depends on unknown module {dep}"
            assert ALL.index(dep) < position, f"{name} is listed before its dependency {dep}"
    assert ALL[0] == "core"


@pytest.mark.parametrize("raw", [None, "", "  ", "all", " all "])
def test_all_or_empty_enables_every_module_in_dependency_order(raw):
    assert parse_enabled(raw) == ALL
    assert enabled_modules(raw if raw is not None else "all") == ALL


def test_core_is_always_enabled():
    assert parse_enabled("parties") == ["core", "parties"]
    assert enabled_modules("parties") == ["core", "parties"]
    assert enabled_modules("core") == ["core"]


def test_order_and_spacing_of_the_setting_do_not_matter():
    assert enabled_modules(" parties , catalog,core,") == enabled_modules("catalog,parties") == \
        ["core", "parties", "catalog"]


def test_sales_without_inventory_is_refused_with_one_line_naming_both():
    with pytest.raises(ModuleDependencyError) as exc:
        enabled_modules("core,parties,catalog,sales")
    message = str(exc.value)
    assert "\n" not in message
    assert "'sales'" in message and "'inventory'" in message


def test_every_missing_dependency_is_refused():
    for name, manifest in REGISTRY.items():
        for dep in manifest.depends:
            if dep == "core":
                continue  # core cannot be left out
            wanted = [m for m in ALL if m != dep and (m == name or m in manifest.depends)]
            with pytest.raises(ModuleDependencyError, match=f"depends on module '{dep}', which is not enabled"):
                check_dependencies(wanted)


@pytest.mark.parametrize("raw, unknown", [("bogus", "bogus"), ("core,parties,Sales", "Sales"),
                                          ("core;parties", "core;parties")])
def test_unknown_module_name_is_refused(raw, unknown):
    with pytest.raises(ModuleDependencyError) as exc:
        parse_enabled(raw)
    assert unknown in str(exc.value)
    assert "known:" in str(exc.value)


def test_dependency_error_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    assert issubclass(ModuleDependencyError, ImproperlyConfigured)


def test_settings_install_exactly_the_enabled_modules():
    for name in ALL:
        installed = REGISTRY[name].app in settings.INSTALLED_APPS
        assert installed == (name in settings.OMS_MODULES)
    assert "oms.core" in settings.INSTALLED_APPS


# -- the `oms` command -------------------------------------------------------------------------

def run_oms(*args, modules):
    env = dict(os.environ, OMS_MODULES=modules)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = f"from oms.cli import main; main(['oms', *{list(args)!r}])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_oms_check_stops_with_one_clear_line_when_a_dependency_is_missing():
    result = run_oms("check", modules="sales")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "'sales'" in lines[0] and "'parties'" in lines[0] and "OMS_MODULES" in lines[0]
    assert "Traceback" not in result.stderr


def test_oms_refuses_an_unknown_module_name():
    result = run_oms("check", modules="core,nonsense")
    assert result.returncode != 0
    assert "nonsense" in result.stderr
    assert "Traceback" not in result.stderr


def test_oms_modules_lists_every_module_with_version_and_enabled_flag():
    result = run_oms("modules", modules="core,parties")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:] if line.strip()}
    assert set(rows) == set(ALL)
    for name, manifest in REGISTRY.items():
        assert rows[name][1] == manifest.version
        assert rows[name][2] == ("yes" if name in ("core", "parties") else "no")


DISABLED_PROBE = """
import json, django
django.setup()
from django.contrib import admin
from django.test import Client
from oms.api import api
schema = api.get_openapi_schema()
print(json.dumps({
    "paths": sorted(schema["paths"]),
    "admin_apps": sorted({m._meta.app_label for m in admin.site._registry}),
    "orders_status": Client().get("/api/v1/orders").status_code,
}))
"""


def test_a_disabled_module_has_no_routes_and_no_admin_pages(tmp_path):
    env = {**os.environ, "OMS_MODULES": "core,parties", "DJANGO_SETTINGS_MODULE": "oms.settings",
           "OMS_DATA_DIR": str(tmp_path)}
    env.pop("OMS_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", DISABLED_PROBE], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert "/api/v1/customers" in probe["paths"]
    assert not [p for p in probe["paths"] if p.startswith(("/api/v1/orders", "/api/v1/products", "/api/v1/stock"))]
    assert "parties" in probe["admin_apps"] and not {"sales", "catalog", "inventory"} & set(probe["admin_apps"])
    assert probe["orders_status"] == 404
