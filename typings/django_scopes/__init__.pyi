# Type stubs for django-scopes 2.1, which ships none: only the names ccmweb uses.
# ScopedManager builds its manager class inside a function, so django-stubs cannot name it:
# each scoped model declares `objects` and `_default_manager` as `ClassVar[Manager[Model]]`.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from django.db import models

_Manager = TypeVar("_Manager", bound=models.Manager[Any])

class ScopeError(Exception): ...

@overload
def ScopedManager(**scopes: str) -> models.Manager[Any]: ...
@overload
def ScopedManager(_manager_class: type[_Manager], /, **scopes: str) -> _Manager: ...
@contextmanager
def scope(**scope: Any) -> Iterator[None]: ...
@contextmanager
def scopes_disabled() -> Iterator[None]: ...
def get_scope() -> dict[str, Any]: ...
