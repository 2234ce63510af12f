"""Which types a skops file holds that skops does not trust by default: the save-time audit.

`skops.io.get_untrusted_types` answers this, but on a 100-tree forest it costs about 40 % of
the dump itself: it reads every array out of the zip and walks its node tree with a context
manager per node. Neither is needed for the answer. `untrusted_types` builds the same node tree
with skops's own classes (so every trust decision is still skops's: each node's default trusted
types, the overridden checks of functions, methods, JSON and bit generators), hands the nodes
empty array bytes (they wrap them unread; no audit looks inside), and collects the result with
one iterative walk. Anything unexpected falls back to skops's public function, and a test
checks that both give the same answer on the kinds of models we store.

This is not the security gate: loading still runs skops's full audit against the allow-list
(`artifacts.load_artifact`). The save-time audit only keeps a model that could not be loaded
back out of the registry.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any
from zipfile import ZipFile


def untrusted_types(data: bytes) -> set[str]:
    """What `skops.io.get_untrusted_types(data=data)` returns, as a set."""
    try:
        return _walked(data)
    except Exception:  # any other skops layout or an odd file: skops's own answer (or error)
        import skops.io as sio

        return set(sio.get_untrusted_types(data=data))


class _NamesOnly:
    """A stand-in for the zip given to skops's nodes: known names read as empty bytes."""

    def __init__(self, zip_file: ZipFile) -> None:
        self._names = set(zip_file.namelist())

    def read(self, name: str) -> bytes:
        if name not in self._names:
            raise KeyError(f"there is no item named {name!r} in the archive")
        return b""


def _walked(data: bytes) -> set[str]:
    from skops.io._audit import get_tree
    from skops.io._utils import read_schema

    with ZipFile(io.BytesIO(data), "r") as zip_file:
        schema, context = read_schema(zip_file)
        context = dataclasses.replace(context, src=_NamesOnly(zip_file))
        tree = get_tree(schema, context, trusted=None)
    return _unsafe_set(tree)


def _unsafe_set(root: Any) -> set[str]:
    """`root.get_unsafe_set()` without recursion: nodes that override it answer for
    themselves; the generic rule is applied here, once per node."""
    from skops.io._audit import Node, check_type
    from skops.io._utils import get_module

    generic = Node.get_unsafe_set
    found: set[str] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node).get_unsafe_set is not generic:
            found |= node.get_unsafe_set()
            continue
        if not node.is_self_safe():
            found.add(f"{node.module_name}.{node.class_name}")
        for child in node.children.values():
            if child is None or isinstance(child, io.BytesIO | str):
                continue
            if isinstance(child, list):
                stack.extend(child)
            elif isinstance(child, dict):
                stack.extend(child.values())
            elif isinstance(child, Node):
                stack.append(child)
            elif type(child) is type:
                module = get_module(child)
                if not check_type(module, child.__name__, node.trusted):
                    found.add(f"{module}.{child.__name__}")
            else:
                raise TypeError(f"skops node child of unknown kind: {type(child)}")
    return found
