"""Registries handed to ``pipekit_register_*`` hooks: built-ins and third parties add alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from pipekit.errors import PluginError


class _Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=_Named)


class Registry(Generic[T]):
    """Named items (step kinds or emitters), each remembered with the plugin that added it."""

    def __init__(self, kind: str, base: type, hook: str = "") -> None:
        self.kind = kind  # "step kind" / "emitter", for messages
        self.hook = hook  # the hook that fills it, for messages
        self._base = base
        self._items: dict[str, T] = {}
        self._owners: dict[str, str] = {}
        self._owner_names: dict[str, str] = {}
        self._current: str = "plugin '<unknown>'"  # the label of the plugin now registering
        self._current_name: str = "<unknown>"  # its name (for PIPEKIT_DISABLE_PLUGINS)

    def add(self, item: T) -> None:
        """Add ``item`` (an instance of the plugin type) under ``item.name``."""
        owner = self._current
        where = f" in {self.hook}" if self.hook else ""
        public = f"pipekit.{self._base.__qualname__}"
        if not isinstance(item, self._base):
            raise PluginError(
                f"{owner} registered {item!r} as a {self.kind}{where}, but it is not a {public}",
                plugin=self._current_name,
                hook=self.hook or None,
                hint=f"registry.add() takes an instance of a subclass of {public}",
            )
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(
                f"{owner} registered a {self.kind} without a name{where} "
                f"({type(item).__qualname__}.name must be a non-empty string)",
                plugin=self._current_name,
                hook=self.hook or None,
            )
        if name in self._items:
            first = self._owner_names[name]
            raise PluginError(
                f"{owner} registered {self.kind} '{name}'{where}, "
                f"but {self._owners[name]} already registered it",
                plugin=self._current_name,
                hook=self.hook or None,
                hint="uninstall one of them, or disable one with "
                f"PIPEKIT_DISABLE_PLUGINS={first} or PIPEKIT_DISABLE_PLUGINS={self._current_name}",
            )
        self._items[name] = item
        self._owners[name] = owner
        self._owner_names[name] = self._current_name

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def owner(self, name: str) -> str:
        return self._owners[name]

    def names(self) -> list[str]:
        return sorted(self._items)

    def by_owner(self, owner: str) -> list[str]:
        return sorted(n for n, o in self._owners.items() if o == owner)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
