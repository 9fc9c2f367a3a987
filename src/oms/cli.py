"""The ``oms`` command: Django's management commands plus ``modules`` and ``demo``."""

from __future__ import annotations

import os
import sys


def _modules() -> None:
    from django.conf import settings

    from oms.modules import REGISTRY

    print(f"{'module':<12} {'version':<8} {'enabled':<8} {'depends on':<32} title")
    for name, manifest in REGISTRY.items():
        enabled = "yes" if name in settings.OMS_MODULES else "no"
        print(f"{name:<12} {manifest.version:<8} {enabled:<8} {', '.join(manifest.depends) or '-':<32} {manifest.title}")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    if os.environ["DJANGO_SETTINGS_MODULE"] == "oms.settings":
        from oms.modules import ModuleDependencyError, enabled_modules

        try:
            enabled_modules()
        except ModuleDependencyError as exc:  # one clear line, not a traceback from inside Django
            print(f"oms: {exc}", file=sys.stderr)
            sys.exit(2)
    command = argv[1] if len(argv) > 1 else "help"
    if command in ("modules", "demo"):
        import django

        django.setup()
        if command == "modules":
            _modules()
        else:
            from oms.demo import demo_load

            print(demo_load())
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
