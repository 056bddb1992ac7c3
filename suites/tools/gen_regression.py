#!/usr/bin/env python3
"""Generates the shipped regression suites:
suites/{arithmetic,factual,reading,format}/.

    python3 suites/tools/gen_regression.py

Every item has one right answer ("expected") and the outcome "correct"
(format: the item's format scorer), so the summary gives the accuracy per
domain and `parity diff` the change per domain between two runs.
Arithmetic is generated from a fixed seed and every answer is checked by
evaluating the printed question again; format examples are checked against
their scorers. The output is deterministic.
"""

import ast
import collections
import operator
import random
import re

import common
import regression_facts
import regression_format
import regression_passages

EXACT = {"correct": {"type": "exact", "flags": "i"}}
NUMBER = " Answer with the number only, in digits, without commas."


def evaluate(expr):
    """Value of an integer expression with + - * / and brackets, exactly."""
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}

    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            a, b = ev(node.left), ev(node.right)
            if a % b:
                raise SystemExit("inexact division in " + expr)
            return a // b
        raise SystemExit("unexpected expression " + expr)
    return ev(ast.parse(expr, mode="eval").body)


def mixed(rng):
    form = rng.choice(["%d + %d × %d", "%d × %d - %d", "(%d + %d) × %d", "%d - %d + %d × %d"])
    return form % tuple(rng.randint(2, 30) for _ in range(form.count("%d")))


def arithmetic_items():
    rng = random.Random(2026)
    gen = {
        "addition": lambda: "%d + %d" % (rng.randint(100, 9999), rng.randint(100, 9999)),
        "subtraction": lambda: (lambda a, b: "%d - %d" % (max(a, b), min(a, b)))(
            rng.randint(100, 9999), rng.randint(10, 9999)),
        "multiplication": lambda: "%d × %d" % (rng.randint(12, 99), rng.randint(12, 99)),
        "division": lambda: (lambda b, q: "%d ÷ %d" % (b * q, b))(rng.randint(3, 19),
                                                                 rng.randint(11, 999)),
        "order-of-operations": lambda: mixed(rng),
    }
    out, seen = [], set()
    for domain, make in gen.items():
        count = 0
        while count < 24:
            expr = make()
            if expr in seen:
                continue
            value = evaluate(expr.replace("×", "*").replace("÷", "/"))
            if value < 0:
                continue
            seen.add(expr)
            count += 1
            out.append((domain, "What is %s?%s" % (expr, NUMBER), str(value)))
    return out


def check_format(items):
    for scorer, prompt, example in items:
        if not re.search(regression_format.SCORERS[scorer], example):
            raise SystemExit("format example %r does not pass %s" % (example, scorer))
        if "{" in prompt or "}" in prompt:
            raise SystemExit("literal brace in a format prompt: " + prompt)


def literal(text):
    return text.replace("{", "{{").replace("}", "}}")


def suite_items(name, rows, outcome=None):
    out = []
    per = collections.Counter()
    for domain, prompt, answer in rows:
        per[domain] += 1
        item = {"id": "%s-%s-%03d" % (name, domain, per[domain]), "domain": domain,
                "outcome": outcome or domain, "scorers": [outcome or domain],
                "prompt": literal(prompt), "expected": answer}
        out.append(item)
    return out


SUITES = {
    "arithmetic": ("integer arithmetic (addition, subtraction, multiplication, exact division, "
                   "order of operations), generated from seed 2026 and checked by the script",
                   16),
    "factual": ("settled one-word facts: capitals, chemical symbols, numbers, science, people, "
                "dates", 16),
    "reading": ("short passages written for parity, three questions each, answered by one word "
                "or number stated in the passage or one step from it", 16),
    "format": ("instruction compliance: one output format per item (JSON with a key, exactly "
               "three words, capitals only, a numbered list, ...), each checked by a regex", 128),
}


def build(name):
    if name == "format":
        rows = regression_format.items()
        check_format(rows)
        items = []
        per = collections.Counter()
        for scorer, prompt, example in rows:
            per[scorer] += 1
            items.append({"id": "format-%s-%02d" % (scorer, per[scorer]), "domain": scorer,
                          "outcome": scorer, "scorers": [scorer], "prompt": prompt,
                          "expected": example})
        scorers = {k: {"type": "regex", "pattern": v} for k, v in regression_format.SCORERS.items()}
    else:
        rows = {"arithmetic": arithmetic_items, "factual": regression_facts.items,
                "reading": regression_passages.items}[name]()
        items = suite_items(name, rows, "correct")
        scorers = EXACT
    what, max_tokens = SUITES[name]
    suite = {"parity_suite": 1, "id": name, "version": "1.0.0",
             "description": "Regression suite: %s. %d items with known answers." % (what, len(items)),
             "source": common.SOURCE,
             "defaults": {"system": "Follow the instructions exactly and answer briefly.",
                          "temperature": 0, "max_tokens": max_tokens},
             "scorers": scorers}
    return suite, items


def readme(name, suite, items):
    what, max_tokens = SUITES[name]
    domains = collections.Counter(it["domain"] for it in items)
    outcomes = collections.Counter(it["outcome"] for it in items)
    n = len(items)
    rows = "\n".join("| `%s` | %d |" % kv for kv in sorted(domains.items()))
    if name == "format":
        scorer_rows = "\n".join("| `%s` | %d | `%s` |" % (k, outcomes[k], v.replace("|", "\\|"))
                                for k, v in regression_format.SCORERS.items())
        scoring = ("Each item is scored by the regex of its format, and its domain is the "
                   "format's name, so the summary and `parity diff` show one row per format:"
                   "\n\n| scorer | items | pattern |\n"
                   "| --- | --- | --- |\n" + scorer_rows + "\n\nEach item's `expected` is a "
                   "compliant example answer, checked against the pattern by the generator; "
                   "it is what the sim engine answers when it is right.")
    else:
        scoring = ("Scorer `correct` (`exact`, caseless): the answer, without surrounding white "
                   "space and a final full stop, must equal `expected`. The prompts ask for the "
                   "bare answer (\"Answer with the number only, in digits, without commas\"), "
                   "so a chatty reply counts as wrong: this suite measures the answer and the "
                   "compliance with its form together.")
    return f"""# {name} suite

Regression suite: {what}. Every item has a known right answer (for format,
a format to follow), so a run gives
the accuracy per domain and `parity diff` the change per domain between two
runs of two model versions.

Generated by `suites/tools/gen_regression.py` (Python 3, standard library).

| file | content |
| --- | --- |
| `{name}.json` | the suite (`parity_suite` 1, id `{name}`, version 1.0.0) |
| `{name}.items.jsonl` | the {n} items, one a line |

## Size

**{n} items, {n} cases** (no axes). Items per domain:

| domain | items |
| --- | --- |
{rows}

## Scoring

{scoring}

## What a run can detect

With {n} items, a comparison of two runs at temperature 0 detects a drop
in accuracy from 90% of about {100 * common.mde_drop(n):.0f} points (two-sided
alpha 0.05, power 0.8, treating the two runs as independent samples); the
paired McNemar test of `parity diff` usually detects less, because most
items are answered the same way by both versions. For one domain of
{min(domains.values())} to {max(domains.values())} items the bound is about
{100 * common.mde_drop(max(domains.values())):.0f} to {100 * common.mde_drop(min(domains.values())):.0f} points: a domain
flags only large changes, the whole suite moderate ones.

## Running

```
parity run suites/{name}/{name}.json --engine sim --run-dir runs/{name}-sim
parity run suites/{name}/{name}.json --base-url http://127.0.0.1:8080/v1 --model MODEL
```

Defaults: system prompt "{suite["defaults"]["system"]}", temperature 0,
max_tokens {max_tokens}.

## Licence

Apache-2.0, like parity. The questions, passages and format tasks were
written (or, for arithmetic, generated) for parity by the parity
contributors; they are not taken from any published dataset.
"""


def main():
    for name in SUITES:
        suite, items = build(name)
        if len(items) < 100:
            raise SystemExit("%s: only %d items" % (name, len(items)))
        common.write_suite(name, suite, items)
        common.write_readme(name, readme(name, suite, items))
        print("%s: %d items" % (name, len(items)))


if __name__ == "__main__":
    main()
