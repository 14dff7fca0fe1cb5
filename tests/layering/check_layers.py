#!/usr/bin/env python3
"""Checks every #include and every library link in src/ against the layer table of
docs/architecture.md.

A layer (a folder under src/) may include its own headers and those of the layers its row names
under "talks to", and of the layers those talk to; its libraries (`wcloud_library` in its
CMakeLists.txt) may link only the libraries of those layers, only `wasm` links V8
(`wcloud_v8`) and only `curl` links libcurl (`CURL::libcurl`). Exits 1 naming each include or
link that breaks this, each folder the table does not list, and each layer it lists that does not
exist.
usage: check_layers.py SOURCE_DIR
"""
import pathlib
import re
import sys


def read_table(doc):
    talks = {}
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 5 or not cells[1].startswith("`"):
            continue
        layers = re.findall(r"`([a-z_]+)`", cells[1])
        targets = set(re.findall(r"[a-z_]+", cells[3]))
        for layer in layers:
            talks[layer] = targets
    return talks


def closure(talks):
    allowed = {}
    for layer in talks:
        seen, todo = set(), [layer]
        while todo:
            for t in talks.get(todo.pop(), ()):
                if t in talks and t not in seen:
                    seen.add(t)
                    todo.append(t)
        allowed[layer] = seen | {layer}
    return allowed


def read_libraries(src):
    """{library: (layer, [linked wcloud_ libraries], cmake file)} for every wcloud_library."""
    libraries = {}
    call = re.compile(r"wcloud_library\(\s*(\w+)(.*?)\)", re.S)
    for cmake in sorted(src.rglob("CMakeLists.txt")):
        layer = cmake.relative_to(src).parts[0]
        text = re.sub(r"#[^\n]*", "", cmake.read_text())
        for m in call.finditer(text):
            deps = m.group(2).split("DEPS", 1)[1] if "DEPS" in m.group(2) else ""
            linked = re.findall(r"\bwcloud_(\w+)", deps)
            if "CURL::libcurl" in deps:
                linked.append("CURL::libcurl")
            libraries[m.group(1)] = (layer, linked, cmake)
    return libraries


def check_links(root, src, allowed):
    problems = []
    libraries = read_libraries(src)
    for name, (layer, deps, cmake) in sorted(libraries.items()):
        if layer not in allowed:
            continue
        for dep in deps:
            where = f"{cmake.relative_to(root)}: wcloud_{name}"
            if dep == "v8":
                if layer != "wasm":
                    problems.append(f"{where} links V8, which only `wasm` may")
            elif dep == "CURL::libcurl":
                if layer != "curl":
                    problems.append(f"{where} links libcurl, which only `curl` may")
            elif dep not in libraries:
                problems.append(f"{where} links wcloud_{dep}, which no layer defines")
            elif libraries[dep][0] not in allowed[layer]:
                problems.append(
                    f"{where} links wcloud_{dep} of `{libraries[dep][0]}`, which `{layer}` "
                    f"does not talk to (docs/architecture.md)")
    return problems


def main():
    root = pathlib.Path(sys.argv[1])
    talks = read_table(root / "docs" / "architecture.md")
    if not talks:
        print("docs/architecture.md: no layer table found")
        return 1
    allowed = closure(talks)
    src = root / "src"
    folders = {p.name for p in src.iterdir() if p.is_dir()}
    problems = []
    for missing in sorted(folders - talks.keys()):
        problems.append(f"src/{missing}/: a layer the table in docs/architecture.md does not list")
    for extra in sorted(talks.keys() - folders):
        problems.append(f"docs/architecture.md: layer `{extra}` has no folder under src/")
    include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc") or not path.is_file():
            continue
        layer = path.relative_to(src).parts[0]
        if layer not in allowed:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = include.match(line)
            if m and m.group(1) in folders and m.group(1) not in allowed[layer]:
                problems.append(
                    f"{path.relative_to(root)}:{number}: `{layer}` includes `{m.group(1)}`, "
                    f"which it does not talk to (docs/architecture.md)")
    problems += check_links(root, src, allowed)
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(allowed)} layers, every include allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
