"""Querysets whose SQL is compiled once per process, for the reads every busy page runs.

Turning a queryset into SQL costs more CPU than running it on the few rows a page reads: the
desk's day with its five ``select_related`` compiled in 1.7 ms and ran in 0.5 ms. The SQL text
of such a read depends only on its shape (which values are given, how many ids a list has), not
on the values. ``compiled_list(build, **values)`` returns ``list(build(**values))``: the first
call of a shape builds the queryset with stand-in values and compiles it, and every later call
puts its own values where the stand-ins were in the parameters. The rows go through Django's
own iterable (model instances with their ``select_related`` objects, or ``values_list`` tuples)
and converters, so the result is the same as the plain queryset's on every database.

Only values go through: the rows are always read live, nothing here caches data. A shape whose
stand-in the compiler writes into the SQL text (not as a parameter) is compiled on every call.
``compiled_sql`` gives the SQL and parameters alone, for a read run on a raw cursor
(``bookings.selectors.busy`` reads its union of appointments and time off that way).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections

_INT_STAND_IN = -910_000_000
_INSTANT_STAND_IN = datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=UTC)
_DAY_STAND_IN = date(1902, 3, 4)
_COLLECTIONS = (list, tuple, set, frozenset)
_LONGEST_LIST = 64  # longer lists of ids are compiled each time (too many shapes to keep)

_compiled: dict[tuple, _Compiled] = {}
_lock = threading.Lock()


class _Slot(NamedTuple):
    name: str
    index: int | None  # the position in a list of values; None for a single value


class _Compiled(NamedTuple):
    queryset: object
    compiler: object
    sql: str
    slots: tuple


def compiled_list(build: Callable[..., object], **values) -> list:
    """``list(build(**values))``, with the queryset's SQL compiled once per process and shape.

    ``build`` takes the values as keyword arguments and returns a queryset; it must use them only
    as filter values (a value of ``None`` may change the shape: it is part of the key)."""
    if any(isinstance(v, _COLLECTIONS) and len(v) > _LONGEST_LIST for v in values.values()):
        return list(build(**values))
    entry = _entry(build, values, all_used=True)
    if entry is None:
        return list(build(**values))
    params = _params(entry, values)
    run = copy.copy(entry.compiler)
    run.connection = connections[entry.queryset.db]  # this thread's connection, not the compiling one's
    run.as_sql = lambda *args, **kwargs: (entry.sql, params)
    queryset = entry.queryset._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: run
    return list(queryset)


def compiled_sql(build: Callable[..., object], **values) -> tuple[str, tuple]:
    """The SQL and parameters of ``build(**values)``, compiled once per process and shape, for a
    read run on a raw cursor (``bookings.selectors.busy`` reads its union as plain numbers).

    A stand-in the SQL does not use at all (a value the queryset ignores in that shape) is fine
    here: the caller's values go only where the SQL has them."""
    entry = _entry(build, values, all_used=False)
    if entry is None:
        queryset = build(**values)
        return queryset.query.get_compiler(using=queryset.db).as_sql()
    return entry.sql, _params(entry, values)


def _entry(build, values: dict, *, all_used: bool) -> _Compiled | None:
    key = (build.__module__, build.__qualname__, all_used, _shape(values))
    with _lock:
        entry = _compiled.get(key)
    if entry is None:
        entry = _compile(build, values, all_used=all_used)
        if entry is not None:
            with _lock:
                _compiled[key] = entry
    return entry


def _params(entry: _Compiled, values: dict) -> tuple:
    ops = connections[entry.queryset.db].ops
    prepared = {name: _prepared(value, ops) for name, value in values.items()}
    return tuple(
        (prepared[slot.name] if slot.index is None else prepared[slot.name][slot.index])
        if isinstance(slot, _Slot)
        else slot
        for slot in entry.slots
    )


def _compile(build, values, *, all_used: bool = True) -> _Compiled | None:
    stand_ins = _stand_ins(values)
    queryset = build(**stand_ins)
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        return None  # an empty list of ids: nothing to keep
    ops = connections[queryset.db].ops
    slot_of = {}
    for name, stand_in in stand_ins.items():
        if isinstance(stand_in, list):
            slot_of.update({_prepared(one, ops): _Slot(name, index) for index, one in enumerate(stand_in)})
        elif stand_in is not None:
            slot_of[_prepared(stand_in, ops)] = _Slot(name, None)
    slots = tuple(slot_of[param] if _hashable(param) and param in slot_of else param for param in params)
    used = {slot for slot in slots if isinstance(slot, _Slot)}
    if (
        _inlined(sql, stand_ins)
        or all_used
        and len(used) < sum(len(v) if isinstance(v, list) else 1 for v in stand_ins.values() if v is not None)
    ):
        # A stand-in written into the SQL text, or one that vanished (a filter the ORM folded
        # away): this shape cannot be replayed with other values.
        return None
    return _Compiled(queryset, compiler, sql, slots)


def _shape(values: dict) -> tuple:
    return tuple(
        (name, None if value is None else len(value) if isinstance(value, _COLLECTIONS) else type(value).__name__)
        for name, value in sorted(values.items())
    )


def _stand_in(value, number: int, index: int = 0):
    if isinstance(value, datetime):
        return _INSTANT_STAND_IN + timedelta(days=number, minutes=index)
    if isinstance(value, date):
        return _DAY_STAND_IN + timedelta(days=100 * number + index)
    if isinstance(value, bool):
        raise TypeError("A boolean is a shape, not a value: build two querysets.")
    if isinstance(value, int):
        return _INT_STAND_IN - 1000 * number - index
    if isinstance(value, str):
        return f"\x1fstand-in-{number}-{index}\x1f"
    raise TypeError(f"No stand-in for {type(value).__name__}.")


def _stand_ins(values: dict) -> dict:
    found = {}
    for number, (name, value) in enumerate(sorted(values.items())):
        if value is None:
            found[name] = None
        elif isinstance(value, _COLLECTIONS):
            found[name] = [_stand_in(one, number + 1, index) for index, one in enumerate(value)]
        else:
            found[name] = _stand_in(value, number + 1)
    return found


def _prepared(value, ops):
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, _COLLECTIONS):
        return [_prepared(one, ops) for one in value]
    return value


def _inlined(sql: str, stand_ins: dict) -> bool:
    texts = {str(_INSTANT_STAND_IN.year), str(_DAY_STAND_IN.year)}
    for value in stand_ins.values():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, int):
                texts.add(str(-one))
            elif isinstance(one, str):
                texts.add(one)
    return any(text in sql for text in texts)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
