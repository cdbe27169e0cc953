"""The pure parts of labkit.inventory: classifying listed files and rendering the comparison."""

from __future__ import annotations

import pytest

from labkit import inventory

NAIVE = {
    "/usr/local/go/bin/go": 14_000_000,
    "/usr/local/go/bin/gofmt": 3_000_000,
    "/usr/local/go/src/net/http/server.go": 120_000,
    "/usr/bin/gcc": 0,  # a symlink: listed with size 0
    "/usr/bin/gcc-12": 1_000_000,
    "/src/main.go": 1_800,
    "/src/go.mod": 40,
    "/usr/local/bin/go-api": 9_900_000,
}
FINAL = {"/app": 6_600_000, "/etc/hosts": 0}
CATEGORIES = {
    "toolchain": ["/usr/local/go/bin/go", "/usr/local/go/*", "/usr/bin/gcc*"],
    "source": ["/src/*.go"],
    "the app": ["/app", "/usr/local/bin/go-api"],
}


def test_classify_lists_each_category_even_when_empty():
    found = inventory.classify(FINAL, CATEGORIES)
    assert found == {"toolchain": [], "source": [], "the app": ["/app"]}


def test_classify_orders_by_first_matching_pattern_then_path():
    found = inventory.classify(NAIVE, CATEGORIES)
    assert found["toolchain"] == [
        "/usr/local/go/bin/go",  # the first pattern's match comes first
        "/usr/local/go/bin/gofmt",
        "/usr/local/go/src/net/http/server.go",
        "/usr/bin/gcc",
        "/usr/bin/gcc-12",
    ]


def test_classify_lists_a_path_once_even_when_several_patterns_match():
    found = inventory.classify(NAIVE, {"go": ["/usr/local/go/*", "*/bin/go", "/usr/local/*"]})
    assert len(found["go"]) == len(set(found["go"])) == 4  # three under /usr/local/go, and /usr/local/bin/go-api


def test_star_crosses_folders_like_find_not_like_a_shell():
    found = inventory.classify(["/app/node_modules/typescript/lib/tsc.js", "/app/dist/server.js"], {"dev": ["*/node_modules/typescript/*"]})
    assert found["dev"] == ["/app/node_modules/typescript/lib/tsc.js"]


def test_classify_accepts_a_plain_list_of_paths():
    assert inventory.classify(["/src/main.go", "/app"], {"source": ["*.go"]}) == {"source": ["/src/main.go"]}


def test_found_describes_presence_count_size_and_an_example():
    found = inventory.Found(("/usr/local/go/bin/go", "/usr/local/go/bin/gofmt"), 17_000_000)
    assert found.present
    assert found.describe() == "✓ 2 files, 17.0 MB: /usr/local/go/bin/go, …"
    assert found.describe(examples=0) == "2 files, 17.0 MB"
    assert inventory.Found(("/src/main.go",), 1_800).describe() == "✓ 1 file, 1.8 kB: /src/main.go"


def test_found_describes_absence():
    empty = inventory.Found((), 0)
    assert not empty.present
    assert empty.describe() == "✗ none"


def test_comparison_has_one_row_per_category_plus_the_whole_image():
    table = inventory.comparison({"naive": NAIVE, "multi-stage": FINAL}, CATEGORIES)
    assert table.categories == ("toolchain", "source", "the app", inventory.WHOLE_IMAGE)
    assert table.images == ("naive", "multi-stage")
    assert table.present("naive", "toolchain") and not table.present("multi-stage", "toolchain")
    assert table.found("naive", "source").size == 1_800
    whole = table.found("multi-stage", inventory.WHOLE_IMAGE)
    assert whole.size == 6_600_000 and len(whole.paths) == 2


def test_comparison_without_the_whole_image_row():
    table = inventory.comparison({"final": FINAL}, CATEGORIES, whole_image=False)
    assert table.categories == tuple(CATEGORIES)


def test_rows_text_and_html_agree():
    table = inventory.comparison({"naive": NAIVE, "multi-stage": FINAL}, CATEGORIES)
    rows = table.rows()
    assert rows[0] == {"category": "toolchain", "naive": "✓ 5 files, 18.1 MB: /usr/local/go/bin/go, …", "multi-stage": "✗ none"}
    assert rows[-1]["multi-stage"] == "2 files, 6.6 MB"  # the whole-image row gives no example
    text = str(table)
    assert text.splitlines()[0].split() == ["category", "naive", "multi-stage"]
    assert all(row["naive"] in text for row in rows)
    assert repr(table) == text  # never the dataclass repr with every path
    page = table._repr_html_()
    assert page.count("<tr>") == len(rows) + 1 and "✗ none" in page


def test_html_escapes_paths():
    table = inventory.comparison({"x": {"/app/<script>.ts": 10}}, {"source": ["*.ts"]})
    assert "<script>" not in table._repr_html_()


@pytest.mark.parametrize(("size", "text"), [(0, "0.0 kB"), (1_800, "1.8 kB"), (49_999, "50.0 kB"), (50_000, "0.1 MB"), (6_627_488, "6.6 MB")])
def test_megabytes(size, text):
    assert inventory._megabytes(size) == text


def test_long_example_paths_are_shortened_in_the_middle():
    path = "/root/.cache/go-build/00/001392c3083f74458985a28095a42dadf3d5de3f372d94c9d2de43ff238a17b4-a"
    short = inventory._shorten(path)
    assert len(short) == inventory.EXAMPLE_WIDTH and short.startswith("/root/.cache/go-build/") and short.endswith("17b4-a")
    assert inventory._shorten("/app") == "/app"
    assert inventory.Found((path,), 10).describe() == f"✓ 1 file, 0.0 kB: {short}"
