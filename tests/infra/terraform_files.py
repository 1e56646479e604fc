"""This project's Terraform files as python-hcl2 reads them, and the references between them.

The offline checks of terraform/ need the configuration's blocks, attributes and the
references between them. `terraform validate` on the real files needs the provider
schemas (a download this machine cannot make), so the checks read the files with
python-hcl2 and hand Terraform a stand-in with the same references
(test_terraform_graph.py).

python-hcl2 (v8) gives each file as a dict: block type -> a list of blocks, each label a
key around the block's body, bodies marked "__is_block__"; string literals come unquoted,
every other expression as its text in "${...}", heredocs as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import hcl2

# Comments dropped, literals unquoted (hcl2.dumps cannot write these back: see ROUND_TRIP).
READ = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)
ROUND_TRIP = hcl2.SerializationOptions(with_comments=False)

# local.x, var.x, data.t.n and <provider>_<type>.name: the roots of the references that
# make graph edges (count., each., path., self. and iterators have no `_`-type form).
REFERENCE = re.compile(
    r"(?<![\w.-])(data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r"|(?:local|var|module)\.[A-Za-z_][\w-]*"
    r"|[a-z][a-z0-9]*_[\w-]*\.[A-Za-z_][\w-]*)"
)
ESCAPED = re.compile(r"\$\$\{[^}]*\}")  # $${...} is literal text (HCL's grammar, as hcl2's)


def references(value) -> set[str]:
    """The roots of the references in a parsed value (every string in it, object keys
    included). Only text with an interpolation is code: a string without "${" is a literal
    and names nothing; both branches of a conditional count."""
    if isinstance(value, dict):
        return set().union(*(references(k) | references(v) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(references(v) for v in value))
    text = ESCAPED.sub("", value) if isinstance(value, str) else ""
    return set(REFERENCE.findall(text)) if "${" in text else set()


def _is_block(value) -> bool:
    """A block's body, or labels around one ({"label": {..., "__is_block__": True}})."""
    if not isinstance(value, dict):
        return False
    if "__is_block__" in value:
        return True
    return len(value) == 1 and _is_block(next(iter(value.values())))


def _holds_blocks(value) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_block(v) for v in value)


def _blocks(type: str, items: list[dict]) -> list[Block]:
    found = []
    for body in items:
        labels = []
        while "__is_block__" not in body:
            ((label, body),) = body.items()
            labels.append(label)
        found.append(Block(type, labels, body))
    return found


@dataclass
class Block:
    type: str
    labels: list[str]
    body: dict

    @property
    def address(self) -> str:
        if self.type == "resource":
            return ".".join(self.labels)
        return f"{self.type}.{'.'.join(self.labels)}"

    @property
    def attributes(self) -> dict:
        return {k: v for k, v in self.body.items() if k != "__is_block__" and not _holds_blocks(v)}

    @property
    def blocks(self) -> list[Block]:
        return [b for k, v in self.body.items() if _holds_blocks(v) for b in _blocks(k, v)]

    def get(self, name: str, default=None):
        return self.attributes.get(name, default)

    def children(self, type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type]

    def child(self, *path: str) -> Block | None:
        """The first nested block along ``path`` (e.g. child("template", "scaling"))."""
        block: Block | None = self
        for type in path:
            found = block.children(type) if block else []
            block = found[0] if found else None
        return block

    def walk(self):
        yield self
        for block in self.blocks:
            yield from block.walk()

    def references(self) -> set[str]:
        return references(self.body)


class Config:
    """Every top-level block of a folder's *.tf files."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.blocks = [
            block
            for text in texts
            for type, items in hcl2.loads(text, serialization_options=READ).items()
            for block in _blocks(type, items)
        ]

    @classmethod
    def read(cls, folder: Path) -> Config:
        return cls([p.read_text() for p in sorted(folder.glob("*.tf"))])

    @classmethod
    def of(cls, text: str) -> Config:
        return cls([text])

    def variables_hcl(self) -> str:
        """The variable blocks, written back by python-hcl2 (for the stand-in)."""
        variables = [
            v
            for text in self.texts
            for v in hcl2.loads(text, serialization_options=ROUND_TRIP).get("variable", [])
        ]
        return hcl2.dumps({"variable": variables}) if variables else ""

    def all(self, type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type]

    def resources(self, kind: str | None = None) -> list[Block]:
        return [b for b in self.all("resource") if kind is None or b.labels[0] == kind]

    def resource(self, address: str) -> Block:
        found = [b for b in self.all("resource") + self.all("data") if b.address == address]
        if not found:
            raise KeyError(address)
        return found[0]

    def locals(self) -> dict:
        return {n: v for b in self.all("locals") for n, v in b.attributes.items()}

    def provider(self, name: str) -> Block | None:
        found = [b for b in self.all("provider") if b.labels == [name]]
        return found[0] if found else None

    @cached_property
    def _graph(self) -> dict[str, set[str]]:
        return self._build_graph()

    def graph(self) -> dict[str, set[str]]:
        return {node: set(targets) for node, targets in self._graph.items()}

    def _build_graph(self) -> dict[str, set[str]]:
        """Node (resource/data address, local.x, var.x, output.x) -> the nodes it refers
        to, as Terraform orders them (every reference counts, both branches of a
        conditional, depends_on, count and for_each included)."""
        types = {b.labels[0] for b in self.all("resource")} | {"data", "local", "var"}
        iterators = {b.labels[0] for top in self.blocks for b in top.walk() if b.type == "dynamic"}
        nodes: dict[str, set[str]] = {}

        def refs(value, where: str) -> set[str]:
            found = set()
            for ref in references(value):
                root = ref.split(".")[0]
                if root in iterators:
                    continue
                if root not in types:
                    raise ValueError(f"{where} refers to {ref}, which is not declared")
                found.add(ref)
            return found

        for block in self.blocks:
            if block.type in ("resource", "data", "output"):
                nodes[block.address] = refs(block.body, block.address)
            elif block.type == "locals":
                for name, value in block.attributes.items():
                    nodes[f"local.{name}"] = refs(value, f"local.{name}")
            elif block.type == "variable":
                nodes[f"var.{block.labels[0]}"] = set()
        for where, targets in nodes.items():
            missing = targets - set(nodes)
            if missing:
                raise ValueError(f"{where} refers to {sorted(missing)}, which are not declared")
        return nodes

    def depends_on(self, node: str) -> set[str]:
        """Every node ``node`` waits for, directly or through others."""
        graph, seen, todo = self._graph, set(), [node]
        while todo:
            for target in graph[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        return seen
