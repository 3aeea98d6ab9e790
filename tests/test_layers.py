"""The top-level modules of src/ form a strict order (ARCHITECTURE.md, "Layers"): a module uses `crate::X` only for
X below it, so no two modules import each other and the engine has no cycle between layers."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# Edges the order does not allow yet, each with the change that removes it: (from module, used path prefix).
ALLOWED: dict = {}


def layer_order():
    """The modules, lowest first, as the numbered list under "## Layers" in ARCHITECTURE.md names them."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. `(\w+)`", section, re.M)


def top_modules():
    return re.findall(r"^pub mod (\w+);", (SRC / "lib.rs").read_text(), re.M)


def root_reexports():
    """Names lib.rs re-exports at the crate root (`crate::Result` is `crate::error::Result`), by their module."""
    out = {}
    for module, names in re.findall(r"^pub use (\w+)::\{([^}]*)\};", (SRC / "lib.rs").read_text(), re.M):
        for name in names.split(","):
            out[name.strip()] = module
    for module, name in re.findall(r"^pub use (\w+)::(\w+);", (SRC / "lib.rs").read_text(), re.M):
        out[name] = module
    return out


def strip_comments(text):
    """Line comments (doc comments included) blanked, line numbers kept."""
    return "\n".join(re.sub(r"//.*", "", line) for line in text.split("\n"))


def group_items(text, start):
    """The paths inside the braces opening at text[start] ('{'), split at top-level commas; and the end index."""
    depth, items, current = 0, [], ""
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
            if depth == 1:
                continue
        elif c == "}":
            depth -= 1
            if depth == 0:
                items.append(current.strip())
                return [x for x in items if x], i
        elif c == "," and depth == 1:
            items.append(current.strip())
            current = ""
            continue
        current += c
    raise ValueError("unbalanced braces")


def crate_uses(text, reexports):
    """(line, target module, path after `crate::`) for every `crate::` path in Rust source text."""
    text = strip_comments(text)
    uses = []
    for m in re.finditer(r"\bcrate::", text):
        line = text.count("\n", 0, m.start()) + 1
        rest = text[m.end():]
        if rest.startswith("{"):
            items, _ = group_items(text, m.end())
            paths = [re.sub(r"\s+", "", item) for item in items]
        else:
            paths = [re.match(r"[\w:]*", rest).group(0)]
        for path in paths:
            head = re.match(r"\w+", path)
            if not head or head.group(0) == "self":
                continue
            module = reexports.get(head.group(0), head.group(0))
            uses.append((line, module, path))
    return uses


def module_of(path):
    rel = path.relative_to(SRC)
    return rel.parts[0][:-3] if len(rel.parts) == 1 else rel.parts[0]


def upward_uses(order, files, reexports):
    """'file:line: a -> b (crate::path)' for each use of a module at or above the user's layer."""
    rank = {m: i for i, m in enumerate(order)}
    bad = []
    for path, text in files:
        module = module_of(path)
        for line, target, used in crate_uses(text, reexports):
            if target == module or target not in rank:
                continue
            if any(module == m and used.startswith(prefix) for m, prefix in ALLOWED):
                continue
            if rank[target] > rank[module]:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {module} -> {target} (crate::{used})")
    return bad


def source_files():
    return [(p, p.read_text()) for p in sorted(SRC.rglob("*.rs")) if p != SRC / "lib.rs"]


def test_order_names_every_module_once():
    order = layer_order()
    assert len(order) == len(set(order)), order
    assert sorted(order) == sorted(top_modules()), (order, top_modules())


def test_no_module_uses_a_layer_above_it():
    bad = upward_uses(layer_order(), source_files(), root_reexports())
    assert not bad, "uses of a higher layer (see ARCHITECTURE.md, Layers):\n" + "\n".join(bad)


def test_no_two_modules_import_each_other():
    reexports = root_reexports()
    edges = set()
    for path, text in source_files():
        module = module_of(path)
        for _, target, used in crate_uses(text, reexports):
            if target != module and not any(module == m and used.startswith(p) for m, p in ALLOWED):
                edges.add((module, target))
    mutual = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert not mutual, mutual


def test_allowlist_entries_are_still_needed():
    for module, prefix in ALLOWED:
        used = [
            p for path, text in source_files() if module_of(path) == module
            for _, _, p in crate_uses(text, root_reexports()) if p.startswith(prefix)
        ]
        assert used, f"{module} no longer uses crate::{prefix}: remove its ALLOWED entry"


def test_the_scan_catches_upward_uses_in_every_form():
    order = ["error", "types", "expr", "plan"]
    reexports = {"EmberError": "error"}
    src = (
        "//! doc mentioning crate::plan is not a use\n"
        "use crate::error::Result;\n"
        "use crate::{\n    types::ddl,\n    plan::{LogicalPlan, PlanNode},\n};\n"
        "fn f() -> crate::EmberError { crate::plan::builder::x() }\n"
    )
    bad = upward_uses(order, [(SRC / "expr" / "fake.rs", src)], reexports)
    assert bad == [
        "src/expr/fake.rs:3: expr -> plan (crate::plan::{LogicalPlan,PlanNode})",
        "src/expr/fake.rs:7: expr -> plan (crate::plan::builder::x)",
    ], bad
    assert upward_uses(order, [(SRC / "plan" / "fake.rs", src)], reexports) == []
