"""What an export is: a queryset from the request's filters, its columns, and the rows it streams."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Model, QuerySet
from django.utils import timezone

from oms.core.errors import DomainError
from oms.interop.exporters.columns import Column, ExportRequest

CHUNK = 1000


@dataclass(frozen=True)
class Export:
    entity: str
    title: str
    model: type[Model]
    permission: str
    filters: frozenset[str]
    queryset: Callable[[ExportRequest], QuerySet]
    columns: Callable[[ExportRequest], list[Column]]
    rows: Callable[[QuerySet, ExportRequest], Iterator[object]]

    def check_filters(self, request: ExportRequest) -> None:
        unknown = sorted(request.given() - self.filters)
        if unknown:
            allowed = ", ".join(sorted(self.filters)) or "none"
            raise DomainError(f"The {self.entity} export has no filter {unknown[0]!r} (filters: {allowed})",
                              field=unknown[0], code="unsupported_filter")


def one_per_object(queryset: QuerySet, request: ExportRequest) -> Iterator[object]:
    """Each object is one row; read in chunks so that memory stays flat however many there are."""
    return queryset.iterator(chunk_size=CHUNK)


def with_children(queryset: QuerySet, *, children: Callable[[list[int]], QuerySet], parent_field: str,
                  attr: str) -> Iterator[object]:
    """Each object of ``queryset``, ``CHUNK`` at a time, given ``attr``: the list of its children,
    read for the whole chunk in one query (``children(ids)``, grouped on ``parent_field``).

    Like ``prefetch_related``, but the children get no reference back to their parent (prefetch
    sets one, and the cycles it makes are freed only by the garbage collector, so chunks pile up
    in memory under load); here a chunk is freed as soon as its rows are written."""
    chunk: list[object] = []

    def attached() -> list[object]:
        found: dict[int, list[object]] = defaultdict(list)
        for child in children([obj.pk for obj in chunk]):
            found[getattr(child, parent_field)].append(child)
        for obj in chunk:
            setattr(obj, attr, found.get(obj.pk, []))
        return chunk

    for obj in queryset.iterator(chunk_size=CHUNK):
        chunk.append(obj)
        if len(chunk) >= CHUNK:
            yield from attached()
            chunk = []
    if chunk:
        yield from attached()


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def created_between(queryset: QuerySet, request: ExportRequest, field: str = "created_at") -> QuerySet:
    """``created_from``/``created_to`` are whole days (both included) in the server's time zone."""
    if request.created_from:
        queryset = queryset.filter(**{f"{field}__gte": _start(request.created_from)})
    if request.created_to:
        queryset = queryset.filter(**{f"{field}__lt": _start(request.created_to + timedelta(days=1))})
    return queryset


def by_status(queryset: QuerySet, request: ExportRequest, choices: list[str]) -> QuerySet:
    """``status`` is one status or several separated by commas, each one of ``choices``."""
    wanted = [s.strip() for s in (request.status or "").split(",") if s.strip()]
    unknown = [s for s in wanted if s not in choices]
    if unknown:
        raise DomainError(f"Unknown status {unknown[0]!r}; statuses: {', '.join(choices)}", field="status",
                          code="invalid_filter")
    return queryset.filter(status__in=wanted) if wanted else queryset


def by_kind(queryset: QuerySet, request: ExportRequest, choices: list[str]) -> QuerySet:
    if request.kind and request.kind not in choices:
        raise DomainError(f"Unknown kind {request.kind!r}; kinds: {', '.join(choices)}", field="kind",
                          code="invalid_filter")
    return queryset.filter(kind=request.kind) if request.kind else queryset
