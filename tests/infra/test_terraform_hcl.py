"""A small reader of this project's Terraform files, and its own tests.

The offline checks of terraform/ need the configuration's blocks, attributes and the
references between them. `terraform validate` on the real files needs the provider
schemas (a download this machine cannot make), so the other checks read the files here
and hand Terraform a stand-in with the same references (test_terraform_graph.py).

HCL's native syntax, reduced to what these files use: a copy of the text of the same
length has every string literal, heredoc body and comment blanked out (interpolations
and template directives stay, as code). Braces, `=` and references are then found by
plain scanning of that copy; values are read back from the original at the same offsets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

IDENT = re.compile(r"[A-Za-z_][\w-]*")
HEREDOC = re.compile(r"<<(-?)([A-Za-z_]\w*)[ \t]*\n")
# local.x, var.x, data.t.n and <provider>_<type>.name: the roots of the references that
# make graph edges (count., each., path., self. and iterators have no `_`-type form).
REFERENCE = re.compile(
    r"(?<![\w.-])(data\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r"|(?:local|var|module)\.[A-Za-z_][\w-]*"
    r"|[a-z][a-z0-9]*_[\w-]*\.[A-Za-z_][\w-]*)"
)
OPEN, CLOSE = "([{", ")]}"


# --- blanking literals ---------------------------------------------------------------------
def mask(text: str) -> str:
    """``text`` with literal characters and comments replaced by spaces (newlines inside
    strings and heredocs too, so a newline in the result always ends a line of code)."""
    return _scan(text)[0]


def uncomment(text: str) -> str:
    """``text`` with only its comments replaced by spaces."""
    return _scan(text)[1]


def _scan(text: str) -> tuple[str, str]:
    out = list(text)
    end = _code(text, out, 0, closing=False)
    assert end == len(text)
    comments = [k for k, c in enumerate(out) if c == "\0"]
    clean = list(text)
    for k in comments:
        clean[k] = " "
    return "".join(" " if c == "\0" else c for c in out), "".join(clean)


def _blank(out: list[str], start: int, end: int, keep_newlines: bool = False, mark=" ") -> None:
    for k in range(start, end):
        if not (keep_newlines and out[k] == "\n"):
            out[k] = mark


def _code(text: str, out: list[str], i: int, closing: bool) -> int:
    """Scan code from ``i``; with ``closing``, stop after the ``}`` that ends an
    interpolation (written as ``)``) and return the index after it."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _template(text, out, i + 1, lambda k: text[k] == '"')
            i += 1  # the closing quote stays
            continue
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            _blank(out, i, j, mark="\0")
            i = j
            continue
        if text.startswith("/*", i):
            j = text.index("*/", i) + 2
            _blank(out, i, j, keep_newlines=True, mark="\0")
            i = j
            continue
        heredoc = HEREDOC.match(text, i)
        if heredoc:
            body = heredoc.end()
            marker = re.compile(rf"^[ \t]*{heredoc.group(2)}[ \t]*$", re.M)
            last = marker.search(text, body)
            if not last:
                raise ValueError(f"heredoc {heredoc.group(2)} is not closed")
            stop = last.start()
            _template(text, out, body, lambda k, stop=stop: k >= stop)
            _blank(out, i, body)
            _blank(out, last.start(), last.end())
            i = last.end()
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0 and closing:
                out[i] = ")"
                return i + 1
            depth -= 1
        i += 1
    if closing:
        raise ValueError("an interpolation is not closed")
    return i


def _template(text: str, out: list[str], i: int, at_end) -> int:
    """Blank template text from ``i`` up to where ``at_end`` holds, keeping ``${...}`` and
    ``%{...}`` as ``(...)``; return that end index."""
    while True:
        if i >= len(text):
            raise ValueError("a string is not closed")
        if at_end(i):
            return i
        if text[i] == "\\":
            _blank(out, i, i + 2)
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            _blank(out, i, i + 3)
            i += 3
        elif text.startswith(("${", "%{"), i):
            out[i], out[i + 1] = " ", "("
            i = _code(text, out, i + 2, closing=True)
        else:
            out[i] = " "
            i += 1


# --- structure -----------------------------------------------------------------------------
@dataclass
class Attribute:
    name: str
    source: str  # the expression as written
    code: str  # the same with its literals blanked

    def references(self) -> set[str]:
        return references(self.code)

    def value(self):
        """The value of a literal expression (string, number, bool, list, object of those);
        ValueError for anything that is not a literal."""
        return literal(self.source)


@dataclass
class Block:
    type: str
    labels: list[str]
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    source: str = ""  # the whole block as written
    code: str = ""  # the same with its literals blanked
    file: str = ""

    @property
    def address(self) -> str:
        if self.type == "resource":
            return ".".join(self.labels)
        if self.type == "data":
            return "data." + ".".join(self.labels)
        return f"{self.type}.{'.'.join(self.labels)}"

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

    def get(self, name: str, default=None):
        """The literal value of attribute ``name`` (``default`` if absent)."""
        attribute = self.attributes.get(name)
        return default if attribute is None else attribute.value()

    def references(self) -> set[str]:
        return references(self.code)


def references(code: str) -> set[str]:
    return set(REFERENCE.findall(code))


def literal(source: str):
    text = source.strip()
    # HCL object literals `{ a = 1 }` and trailing commas, as JSON.
    text = re.sub(r"([\w-]+)\s*=(?!=)", r'"\1":', text) if text.startswith("{") else text
    text = re.sub(r",\s*([\]}])", r"\1", text)
    text = re.sub(r"\n\s*(?=\S)", " ", text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"not a literal: {source.strip()[:80]!r}") from None


def _skip_space(code: str, i: int, end: int, newlines: bool = True) -> int:
    while i < end and (code[i] in " \t\r" or (newlines and code[i] == "\n")):
        i += 1
    return i


def _matching(code: str, i: int) -> int:
    depth = 0
    for k in range(i, len(code)):
        if code[k] in OPEN:
            depth += 1
        elif code[k] in CLOSE:
            depth -= 1
            if depth == 0:
                return k
    raise ValueError(f"unbalanced bracket at offset {i}")


def _expression_end(code: str, i: int, end: int) -> int:
    depth = 0
    while i < end:
        if code[i] in OPEN:
            depth += 1
        elif code[i] in CLOSE:
            depth -= 1
        elif code[i] == "\n" and depth == 0:
            return i
        i += 1
    return end


def _body(source: str, code: str, i: int, end: int, parent: Block) -> None:
    while True:
        i = _skip_space(code, i, end)
        if i >= end:
            return
        name = IDENT.match(code, i)
        if not name:
            raise ValueError(f"cannot read {source[i : i + 40]!r}")
        start, i = i, _skip_space(code, name.end(), end, newlines=False)
        if code[i] == "=" and code[i + 1] != "=":
            j = _expression_end(code, i + 1, end)
            parent.attributes[name.group()] = Attribute(
                name.group(), source[i + 1 : j].strip(), code[i + 1 : j]
            )
            i = j
            continue
        labels = []
        while code[i] == '"':
            close = code.index('"', i + 1)
            labels.append(source[i + 1 : close])
            i = _skip_space(code, close + 1, end, newlines=False)
        if code[i] != "{":
            raise ValueError(f"expected a block after {source[start:i]!r}")
        close = _matching(code, i)
        block = Block(
            name.group(), labels, source=source[start : close + 1], code=code[start : close + 1]
        )
        _body(source, code, i + 1, close, block)
        parent.blocks.append(block)
        i = close + 1


def parse(text: str, file: str = "") -> list[Block]:
    """Top-level blocks of ``text``; sources are read back without comments."""
    root = Block("file", [])
    code, clean = _scan(text)
    _body(clean, code, 0, len(text), root)
    for block in root.blocks:
        block.file = file
    return root.blocks


# --- a configuration -----------------------------------------------------------------------
class Config:
    """Every top-level block of a folder's *.tf files."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks

    @classmethod
    def read(cls, folder: Path) -> Config:
        return cls([b for p in sorted(folder.glob("*.tf")) for b in parse(p.read_text(), p.name)])

    @classmethod
    def of(cls, text: str) -> Config:
        return cls(parse(text))

    def all(self, type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type]

    def resources(self, kind: str | None = None) -> list[Block]:
        return [b for b in self.all("resource") if kind is None or b.labels[0] == kind]

    def resource(self, address: str) -> Block:
        found = [b for b in self.all("resource") + self.all("data") if b.address == address]
        if not found:
            raise KeyError(address)
        return found[0]

    def locals(self) -> dict[str, Attribute]:
        return {n: a for b in self.all("locals") for n, a in b.attributes.items()}

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

        def refs(code: str, where: str) -> set[str]:
            found = set()
            for ref in references(code):
                root = ref.split(".")[0]
                if root in iterators:
                    continue
                if root not in types:
                    raise ValueError(f"{where} refers to {ref}, which is not declared")
                found.add(ref)
            return found

        for block in self.blocks:
            if block.type in ("resource", "data"):
                nodes[block.address] = refs(block.code, block.address)
            elif block.type == "locals":
                for name, attribute in block.attributes.items():
                    nodes[f"local.{name}"] = refs(attribute.code, f"local.{name}")
            elif block.type == "variable":
                nodes[f"var.{block.labels[0]}"] = set()
            elif block.type == "output":
                nodes[block.address] = refs(block.code, block.address)
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


# --- the reader's own tests ----------------------------------------------------------------
SAMPLE = r"""
# a comment with google_fake.thing and a { brace
locals {
  bucket = "gs://${google_storage_bucket.media.name}/x" // trailing google_fake.b
  list   = [
    "a}",
    var.region,
  ]
  object = { cpu = "1", memory = "1Gi" }
}

resource "google_thing" "one" {
  name  = "roles/run.invoker"
  count = local.use ? 1 : 0
  script = <<-EOT
    #!/bin/bash
    echo "${var.region}" $${NOT_A_REF} "{"
  EOT
  nested {
    inner { value = data.google_project.this.number }
  }
  dynamic "env" {
    for_each = local.object
    content {
      name = env.key
    }
  }
  depends_on = [google_project_service.enabled]
}
"""


def test_reader_finds_blocks_attributes_and_references():
    blocks = parse(SAMPLE)
    assert [b.type for b in blocks] == ["locals", "resource"]
    locals_, thing = blocks
    assert locals_.attributes["bucket"].references() == {"google_storage_bucket.media"}
    assert locals_.attributes["list"].references() == {"var.region"}
    assert locals_.get("object") == {"cpu": "1", "memory": "1Gi"}
    assert thing.labels == ["google_thing", "one"] and thing.address == "google_thing.one"
    assert thing.get("name") == "roles/run.invoker"
    assert thing.child("nested", "inner").attributes["value"].source == (
        "data.google_project.this.number"
    )
    # Comments, literals and escaped interpolations name nothing; code and ${} do.
    assert thing.references() == {
        "local.use",
        "var.region",
        "data.google_project.this",
        "local.object",
        "google_project_service.enabled",
    }
    assert "#!/bin/bash" in thing.attributes["script"].source  # a literal, not a comment
    assert locals_.attributes["bucket"].source == '"gs://${google_storage_bucket.media.name}/x"'


def test_reader_rejects_what_it_cannot_read():
    for broken in ('resource "a_b" "c" {\n  x = "open\n', 'x = "${var.a"\n', "x {\n"):
        try:
            parse(broken)
        except ValueError:
            continue
        raise AssertionError(f"read without complaint: {broken!r}")


def test_graph_refuses_undeclared_references():
    config = Config.of('resource "a_b" "c" {\n  x = a_b.missing.id\n}\n')
    try:
        config.graph()
    except ValueError as e:
        assert "a_b.missing" in str(e)
    else:
        raise AssertionError("an undeclared reference went unnoticed")
