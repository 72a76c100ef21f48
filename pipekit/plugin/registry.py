"""Registries handed to ``pipekit_register_*`` hooks: built-ins and third parties add alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from pipekit.errors import PluginError


class _Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=_Named)


class Owner(Protocol):
    """Who is registering: how messages name it (``label``) and its plugin ``name``."""

    @property
    def label(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def rank(self) -> int:
        """Its place in registration order (entry points, then local files)."""
        ...


class _Anonymous:
    label = "plugin '<unknown>'"
    name = "<unknown>"
    rank = 1 << 30


class Registry(Generic[T]):
    """Named items (step kinds or emitters), each remembered with the plugin that added it.

    ``owner`` tells who calls :meth:`add` (pipekit finds the plugin whose hook is running);
    ``check`` validates an item before it is added (its options' types, for example).
    """

    def __init__(
        self,
        kind: str,
        base: type,
        hook: str = "",
        *,
        owner: Callable[[], Owner] | None = None,
        check: Callable[[T, Owner], None] | None = None,
    ) -> None:
        self.kind = kind  # "step kind" / "emitter", for messages
        self.hook = hook  # the hook that fills it, for messages
        self._base = base
        self._owner = owner or _Anonymous
        self._check = check
        self._items: dict[str, T] = {}
        self._owners: dict[str, Owner] = {}

    def _error(self, owner: Owner, message: str, hint: str | None = None) -> PluginError:
        text = message.replace("{where}", f" in {self.hook}" if self.hook else "")
        return PluginError(
            f"{owner.label} {text}",
            plugin=owner.name,
            hook=self.hook or None,
            hint=hint,
        )

    def add(self, item: T) -> None:
        """Add ``item`` (an instance of the plugin type) under ``item.name``."""
        owner = self._owner()
        public = f"pipekit.{self._base.__qualname__}"
        if not isinstance(item, self._base):
            raise self._error(
                owner,
                f"registered {item!r} as a {self.kind}{{where}}, but it is not a {public}",
                f"registry.add() takes an instance of a subclass of {public}",
            )
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name:
            raise self._error(
                owner,
                f"registered a {self.kind} without a name{{where}} "
                f"({type(item).__qualname__}.name must be a non-empty string)",
            )
        if name in self._items:
            first = self._owners[name]
            if first.rank > owner.rank:  # pluggy calls later plugins first: blame the later
                first, owner = owner, first
            raise self._error(
                owner,
                f"registered {self.kind} '{name}'{{where}}, "
                f"but {first.label} already registered it",
                "uninstall one of them, or disable one with "
                f"PIPEKIT_DISABLE_PLUGINS={first.name} or PIPEKIT_DISABLE_PLUGINS={owner.name}",
            )
        if self._check is not None:
            self._check(item, owner)
        self._items[name] = item
        self._owners[name] = owner

    def clear(self) -> None:
        """Forget every item (before the registration hooks are called again)."""
        self._items.clear()
        self._owners.clear()

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def owner(self, name: str) -> str:
        """The label of the plugin that added ``name``."""
        return self._owners[name].label

    def owner_name(self, name: str) -> str:
        """The name of the plugin that added ``name``."""
        return self._owners[name].name

    def names(self) -> list[str]:
        return sorted(self._items)

    def by_owner(self, owner: str) -> list[str]:
        """The names added by the plugin labelled ``owner``."""
        return sorted(n for n, o in self._owners.items() if o.label == owner)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
