# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Response schemas dumped by a plan compiled once from their declared fields.

marshmallow spends most of a list response in per-object, per-field overhead (accessor
lookup, missing/default checks, the formatting method). `StrictSchema.dump`
(kernel/http/schemas.py) hands the work to a `Dumper` compiled once per schema instance
from its public description, `schema.dump_fields`: output key (`data_key`), the
attribute read (`attribute`), `dump_default`, and for the field types whose formatting
is a plain function of the value (exact `Integer`, `Float`, `String`, `Raw`,
`DateTime`/`AwareDateTime`/`NaiveDateTime`/`Date`/`Time`, `List` and `Nested` of those)
that function. Any other field, a custom one or a `Method` included, is dumped by its
own `Field.serialize`, the call marshmallow makes. Values are read the way marshmallow
documents `get_value`: an attribute of an object without `__getitem__`, the key of a
dict and else its attribute; any other container goes through `schema.get_attribute`.
An attribute is read the way `getattr` would, from the instance `__dict__` first when
nothing of the class comes before it there: a model's loaded columns cost a dict lookup
instead of a call to SQLAlchemy's descriptor (a page of 50 projects: 500 calls fewer).

The marshmallow schemas stay the one source of validation and of the OpenAPI document;
this changes how fast a response is written, never what. A schema whose dump has
machinery of its own falls back to marshmallow whole: a `pre_dump`/`post_dump` hook,
an override of `get_attribute` or of marshmallow's serialization method, a `dict_class`
other than `dict`. `flask check` names each (keel.W050), and
tests/kernel/test_dumping.py checks, for every response schema of the project, that the
dump equals marshmallow's on generated objects.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from flask import Flask
from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type
from sqlalchemy.orm import QueryableAttribute

Convert = Callable[[Any], Any]

#: Set by `reference_dump`: every schema dumps through marshmallow itself.
_REFERENCE: ContextVar[bool] = ContextVar("keel_reference_dump", default=False)

#: Methods of marshmallow's Schema that, overridden, change what a dump produces.
_DUMP_MACHINERY = ("get_attribute", "_serialize")
_TEMPORAL = (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime, fields.Date, fields.Time)


def _optional(convert: Convert) -> Convert:
    def run(value: Any) -> Any:
        return None if value is None else convert(value)

    run.keel_inner = convert  # type: ignore[attr-defined]  # what generated code calls
    return run


def _text(value: Any) -> Any:
    if value.__class__ is str:
        return value
    return None if value is None else ensure_text_type(value)


def _identity(value: Any) -> Any:
    return value


def _temporal(field: Any) -> Convert:
    data_format = field.format or field.DEFAULT_FORMAT
    format_func = field.SERIALIZATION_FUNCS.get(data_format)
    if format_func is not None:
        return _optional(format_func)
    return _optional(lambda value: value.strftime(data_format))


def _list_of(inner: Convert) -> Convert:
    def run(value: Any) -> Any:
        return None if value is None else [inner(each) for each in value]

    return run


def _nested(field: fields.Nested, compiling: frozenset[type], found: list[Dumper]) -> Convert:
    """`Nested._serialize`: the nested schema's dump, inlined when it compiles.

    A schema nested in itself (a tree) is not inlined: its dump compiles on first use.
    """
    schema = field.schema
    many = bool(schema.many or field.many)
    plan = None if type(schema) in compiling else dumper_of(schema, compiling)
    if plan is None:
        return _optional(lambda value: schema.dump(value, many=many))
    found.append(plan)
    one = plan.dump_one
    return _list_of(one) if many else _optional(one)


def converter(
    field: fields.Field[Any], compiling: frozenset[type], found: list[Dumper]
) -> Convert | None:
    """The function of the value that `field` formats it with, or None: use `serialize`.

    `compiling`: the schema classes being compiled around it; `found` collects the plans
    of nested schemas inlined.
    """
    kind = type(field)
    if kind in (fields.Integer, fields.Float) and not field.as_string:  # type: ignore[attr-defined]
        return _optional(int if kind is fields.Integer else float)
    if kind is fields.String:
        return _text
    if kind is fields.Raw:
        return _identity
    if kind in _TEMPORAL:
        return _temporal(field)
    if kind is fields.List:
        inner = converter(field.inner, compiling, found)  # type: ignore[attr-defined]
        return None if inner is None else _list_of(inner)
    if kind is fields.Nested:
        return _nested(field, compiling, found)  # type: ignore[arg-type]
    return None


def _inline(convert: Convert, i: int, env: dict[str, Any]) -> str:
    """The expression the generated code computes for value `v` with step i's conversion."""
    if convert is _identity:
        return "v"
    if convert is _text:
        return f"v if v.__class__ is str else c{i}(v)"
    inner = getattr(convert, "keel_inner", None)
    if inner is not None:
        env[f"i{i}"] = inner
        return f"None if v is None else i{i}(v)"
    return f"c{i}(v)"


#: Dumps of one schema instance before its code is generated: generating costs about as
#: much as 40 objects, so an instance made for a single dump only loops over its steps.
GENERATE_AFTER = 2

#: The attribute lookup of `object` (SimpleNamespace names its own copy of it).
_GENERIC_GETATTRIBUTE = (object.__getattribute__, SimpleNamespace.__getattribute__)
#: Classes of objects one schema keeps a plan of its own for (beyond: the generic code).
MAX_CLASS_PLANS = 32

#: One field's step: output key, attribute read, conversion (None: the field's own
#: `serialize`), dump_default, name in the schema, the field.
Step = tuple[str, str, Convert | None, Any, str, fields.Field[Any]]


class Dumper:
    """One schema's compiled dump: a step per field, fast where the field allows it."""

    def __init__(self, schema: Schema, compiling: frozenset[type] = frozenset()) -> None:
        self.schema = schema
        self.dumps, self.generated = 0, False
        inside = compiling | {type(schema)}
        steps: list[Step] = []
        found: list[Dumper] = []
        for name, field in schema.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            read = field.attribute if field.attribute is not None else name
            convert = None if "." in read else converter(field, inside, found)
            steps.append((key, read, convert, field.dump_default, name, field))
        #: The nested schemas' plans inlined here: sped up with this one.
        self.nested = tuple(found)
        self.steps = tuple(steps)
        #: `schema.dump(obj, many=False)`: the loop at first, then the generated code.
        self.one: Callable[[Any], dict[str, Any]] = self.read_one

    def dump_one(self, obj: Any) -> dict[str, Any]:
        """`one(obj)` through the attribute, so that callers see it sped up."""
        return self.one(obj)

    def speed_up(self) -> None:
        """Swap the loop for generated code, here and in the nested plans inlined."""
        if self.generated:
            return
        self.generated = True
        for plan in self.nested:
            plan.speed_up()
        self.one = self.generate()

    def generate(self) -> Callable[[Any], dict[str, Any]]:
        """`one()` written out, with a plan per class of object dumped.

        An object of a class whose instances keep their attributes in `__dict__` (an
        ORM model, a dataclass, a SimpleNamespace) gets code that reads that dict first
        (`_class_plan`); any other object (a mapping, a class with `__slots__` or its
        own `__getattribute__`) gets the generic code. At most `MAX_CLASS_PLANS` classes
        get their own plan; the rest share the generic code.
        """
        generic = self._write(None)
        plans: dict[type, Callable[[Any], dict[str, Any]]] = {}

        def one(obj: Any) -> dict[str, Any]:
            plan = plans.get(obj.__class__)
            if plan is None:
                if len(plans) >= MAX_CLASS_PLANS:  # never generate code per object
                    return generic(obj)
                plan = plans[obj.__class__] = self._class_plan(obj, generic)
            return plan(obj)

        return one

    def _class_plan(
        self, obj: Any, generic: Callable[[Any], dict[str, Any]]
    ) -> Callable[[Any], dict[str, Any]]:
        kind = type(obj)
        if (
            hasattr(kind, "__getitem__")
            or inspect.getattr_static(kind, "__getattribute__") not in _GENERIC_GETATTRIBUTE
            or not isinstance(getattr(obj, "__dict__", None), dict)
        ):
            return generic
        return self._write(kind)

    def _write(self, kind: type | None) -> Callable[[Any], dict[str, Any]]:
        """The steps unrolled into one function, as `dataclasses` writes its `__init__`:
        about twice as fast as looping over them. The source holds no name or text of
        the schema: every key, attribute and function is passed in as a variable.

        `kind`: the class the code is for, or None (any object). For a class, an
        attribute that `getattr` would read from the instance `__dict__` (no data
        descriptor of the class in the way, or SQLAlchemy's own, which returns that
        value) is looked up there first: a tenth of the cost of SQLAlchemy's
        descriptor. Not there (not loaded, expired, computed), it is read by `getattr`.
        """
        env: dict[str, Any] = {"missing": missing, "mapped": self.read_one}
        env["get"] = self.schema.get_attribute
        lines = ["def one(obj):"]
        if kind is None:
            lines += ["    if hasattr(obj, '__getitem__'):", "        return mapped(obj)"]
        else:
            lines.append("    d = obj.__dict__")
        lines.append("    out = {}")
        for i, (key, read, convert, default, name, field) in enumerate(self.steps):
            env[f"k{i}"], env[f"r{i}"], env[f"c{i}"], env[f"d{i}"] = key, read, convert, default
            if convert is None:
                env[f"s{i}"], env[f"n{i}"] = field.serialize, name
                lines += [f"    v = s{i}(n{i}, obj, accessor=get)", "    if v is not missing:"]
                lines.append(f"        out[k{i}] = v")
                continue
            if kind is not None and _in_instance_dict(kind, read):
                lines.append(f"    v = d.get(r{i}, missing)")
                lines.append("    if v is missing:")
                lines.append(f"        v = getattr(obj, r{i}, missing)")
            else:
                lines.append(f"    v = getattr(obj, r{i}, missing)")
            if default is not missing:
                lines.append("    if v is missing:")
                lines.append(f"        v = d{i}() if callable(d{i}) else d{i}")
            lines += ["    if v is not missing:", f"        out[k{i}] = {_inline(convert, i, env)}"]
        lines.append("    return out")
        exec("\n".join(lines), env)  # noqa: S102 - our own source, no text of the schema
        function: Callable[[Any], dict[str, Any]] = env["one"]
        return function

    def read_one(self, obj: Any) -> dict[str, Any]:
        """`schema.dump(obj, many=False)`: the same keys, in the same order, same values."""
        get = self.schema.get_attribute
        # How marshmallow's `get_value` reads: obj[key] first, then the attribute.
        mode = 0 if not hasattr(obj, "__getitem__") else 1 if type(obj) is dict else 2
        out: dict[str, Any] = {}
        for key, read, convert, default, name, field in self.steps:
            if convert is None:
                value = field.serialize(name, obj, accessor=get)
                if value is not missing:
                    out[key] = value
                continue
            if mode == 0:
                value = getattr(obj, read, missing)
            elif mode == 1:
                value = obj[read] if read in obj else getattr(obj, read, missing)
            else:
                value = get(obj, read, missing)
            if value is missing:
                if default is missing:
                    continue
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = convert(value)
        return out

    def dump(self, obj: Any, many: bool | None) -> Any:
        """`schema.dump(obj, many=many)`."""
        if self.dumps < GENERATE_AFTER:
            self.dumps += 1
            if self.dumps == GENERATE_AFTER:
                self.speed_up()
        if (self.schema.many if many is None else many) and obj is not None:
            one = self.one
            return [one(each) for each in obj]
        return self.one(obj)


def _in_instance_dict(kind: type, attribute: str) -> bool:
    """Does `getattr(obj, attribute)` give `obj.__dict__[attribute]` when it is there?

    Yes unless a data descriptor of the class comes first (a property, a hybrid, an
    association proxy); SQLAlchemy's instrumented attributes are data descriptors that
    return that very value for an attribute loaded into the instance dict.
    """
    found = inspect.getattr_static(kind, attribute, None)
    descriptor = type(found)
    if not (hasattr(descriptor, "__set__") or hasattr(descriptor, "__delete__")):
        return True
    return isinstance(found, QueryableAttribute) and found.key == attribute


def fallback_reason(schema: Schema) -> str | None:
    """Why `schema` must be dumped by marshmallow itself, or None if it compiles."""
    kind = type(schema)
    if schema.dict_class is not dict:
        return f"its dict_class is {schema.dict_class.__name__}, not dict"
    hooks = kind.resolve_hooks()
    for tag in (PRE_DUMP, POST_DUMP):
        if hooks.get(tag):
            names = ", ".join(sorted({name for name, *_ in hooks[tag]}))
            return f"it has a @{tag} hook ({names})"
    for klass in inspect.getmro(kind):
        if klass is Schema:
            break
        for method in _DUMP_MACHINERY:
            if method in vars(klass):
                return f"{klass.__name__} overrides Schema.{method}"
    return None


def dumper_of(schema: Schema, compiling: frozenset[type] = frozenset()) -> Dumper | None:
    """The schema instance's compiled dump, built on first use; None: marshmallow's own.

    Kept on the instance with the `dump_fields` it was built from: marshmallow rebuilds
    that dict when `only`/`exclude` change (a `Nested` copies its schema and does so).
    """
    if _REFERENCE.get():
        return None
    cached = getattr(schema, "keel_dumper", None)
    if cached is not None and cached[0] is schema.dump_fields:
        plan: Dumper | None = cached[1]
        return plan
    plan = None if fallback_reason(schema) else Dumper(schema, compiling)
    schema.keel_dumper = (schema.dump_fields, plan)  # type: ignore[attr-defined]
    return plan


def reference_dump(schema: Schema, obj: Any, many: bool | None = None) -> Any:
    """marshmallow's own dump of `obj`, nested schemas included (what tests compare with)."""
    token = _REFERENCE.set(True)
    try:
        return schema.dump(obj, many=many)
    finally:
        _REFERENCE.reset(token)


def _subclasses(base: type[Schema]) -> Iterator[type[Schema]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_schemas(app: Flask) -> list[type[Schema]]:
    """Every marshmallow schema class defined in the app's package (kernel and modules).

    After `create_app()` every module of INSTALLED_MODULES is imported, so a new
    module's schemas are found without being listed anywhere.
    """
    package = app.import_name.partition(".")[0]
    found = {
        cls
        for cls in _subclasses(Schema)
        if cls.__module__ == package or cls.__module__.startswith(f"{package}.")
    }
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))
