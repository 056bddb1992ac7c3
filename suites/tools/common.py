"""Shared by the suite generators: writing suites, and the power arithmetic
quoted in every README (Python 3 standard library only)."""

import json
import math
import os
from statistics import NormalDist

# Where the suites are written: suites/, or PARITY_SUITES_OUT (the tests
# regenerate into a temporary folder and compare with the committed files).
SUITES = os.environ.get("PARITY_SUITES_OUT") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SOURCE = {"license": "Apache-2.0", "authors": "parity contributors",
          "url": ""}
ALPHA, POWER = 0.05, 0.8


def z_sum(alpha=ALPHA, power=POWER):
    """z_{1-alpha/2} + z_{power}: 1.959964 + 0.841621."""
    nd = NormalDist()
    return nd.inv_cdf(1 - alpha / 2) + nd.inv_cdf(power)


def cohens_h(p1, p2):
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def n_per_group(p1, p2):
    """Per-group n of a two-sided two-proportion test (normal approximation
    on Cohen's h, as statsmodels NormalIndPower): 0.6 vs 0.5 -> 387.17."""
    return 2 * (z_sum() / cohens_h(p1, p2)) ** 2


def mde(n, base=0.5):
    """Smallest difference from `base` detected with n per group (upwards)."""
    h = z_sum() * math.sqrt(2 / n)
    p2 = math.sin(math.asin(math.sqrt(base)) + h / 2) ** 2
    return p2 - base


def n_for_10_points():
    """The worst case over base rates: 0.45 vs 0.55 needs the most."""
    return max(n_per_group(b / 100, b / 100 + 0.1) for b in range(0, 91))


def samples_for_10_points(n_one_sample):
    return max(1, math.ceil(n_for_10_points() / n_one_sample))


def write_suite(name, suite, items):
    """suites/NAME/NAME.json plus NAME.items.jsonl beside it."""
    folder = os.path.join(SUITES, name)
    os.makedirs(folder, exist_ok=True)
    items_file = name + ".items.jsonl"
    suite = dict(suite, items_file=items_file)
    with open(os.path.join(folder, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(suite, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(folder, items_file), "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_readme(name, text):
    with open(os.path.join(SUITES, name, "README.md"), "w", encoding="utf-8") as f:
        f.write(text.rstrip() + "\n")


def mde_drop(n, base=0.9):
    """Smallest accuracy drop from `base` detected with n items per run
    (unpaired two-proportion bound; the paired McNemar test of parity diff
    usually detects less)."""
    h = z_sum() * math.sqrt(2 / n)
    p2 = math.sin(math.asin(math.sqrt(base)) - h / 2) ** 2
    return base - p2
