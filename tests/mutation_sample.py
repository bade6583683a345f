"""A seeded random sample of mutmut's mutants, stratified by module (docs/testing.md).

Run in the exported copy after mutmut has generated its mutants (``mutmut run 'none*'``
generates them and runs no mutant)::

    mutmut results --all true | python tests/mutation_sample.py 300 20261206 > sample.txt
    nice -n 15 mutmut run --max-children 1 $(head -n 25 sample.txt)   # and so on, 25 at a time

Each module gets its share of the sample in proportion to its mutants (largest remainders
round), the names within a module are drawn without replacement, and the whole sample is
shuffled: any prefix of the output is itself a random sample of every module, so a run cut
short still measures something.

The module is also a pytest plugin for the checker's mutation runs (docs/testing.md), loaded
through the environment so that mutmut's configuration, and the results it keeps, stay as
they are::

    PYTHONPATH=$PWD/tests PYTEST_PLUGINS=mutation_sample nice -n 19 mutmut run ...

mutmut's fork server hands a mutant's tests to pytest in the order of a set; the plugin runs
them by file, the checker's own three test files first, and by line within a file, so ``-x``
stops at the first of the precise message tests that kills a mutant. No verdict changes (the
tests pass in any order), only how soon a killed mutant stops.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict

import pytest

FIRST = ("tests/test_check.py", "tests/test_check_record.py", "tests/test_checker_rules.py")
"""The test files that run first: the checker's own."""


def sample(names: list[str], size: int, seed: int) -> list[str]:
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_module[name.rsplit(".", 1)[0]].append(name)
    total = len(names)
    quota = {m: size * len(v) / total for m, v in by_module.items()}
    share = {m: int(q) for m, q in quota.items()}
    left = size - sum(share.values())
    for m in sorted(quota, key=lambda m: quota[m] - share[m], reverse=True)[:left]:
        share[m] += 1
    rng = random.Random(seed)
    out: list[str] = []
    for m in sorted(by_module):
        out += rng.sample(sorted(by_module[m]), share[m])
    rng.shuffle(out)
    return out


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The checker's test files first, then the others; by file and line (a stable sort)."""

    def key(item: pytest.Item) -> tuple[int, str, int]:
        path = item.nodeid.split("::")[0]
        rank = FIRST.index(path) if path in FIRST else len(FIRST)
        return rank, path, item.location[1] or 0

    items.sort(key=key)


def main() -> None:
    size, seed = int(sys.argv[1]), int(sys.argv[2])
    names = [line.split(":")[0].strip() for line in sys.stdin if ":" in line]
    print("\n".join(sample(names, size, seed)))


if __name__ == "__main__":
    main()
