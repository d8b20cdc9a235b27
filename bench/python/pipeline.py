#!/usr/bin/env python3
"""A straightforward Python version of the report pipeline, kept as a speed baseline.

It reads the same study folder (study.toml and raw/*.csv) with pandas, checks it,
computes the main statistics with networkx and numpy (per wave: degree, density,
components, exact betweenness and closeness, the E-I index of every dimension with a
label-permutation test; between waves: new, lost and kept ties, a respondent
bootstrap and a wave-label permutation test of the change in ties; the qualitative
code counts), draws the figures with matplotlib (SVG), fills two simplified Typst
templates with jinja2 and compiles them with the `typst` Python binding into
brief.pdf (A4) and deck.pdf (16:9), using the project's vendored fonts.

It is not the project's pipeline and its numbers are not checked against it: it does
the same kind and amount of work, the way one would write it in Python, so that
`cargo xtask bench` can time both side by side. See README.md.
"""

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

T0 = time.perf_counter()

import jinja2  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import typst  # noqa: E402

HERE = Path(__file__).resolve().parent
LAPS = []


def lap(name, start):
    now = time.perf_counter()
    LAPS.append((name, now - start))
    return now


def load(data):
    study = tomllib.loads((data / "study.toml").read_text(encoding="utf-8"))
    orgs = pd.read_csv(data / "raw" / "organisations.csv", dtype=str)
    ties = pd.read_csv(data / "raw" / "ties.csv", dtype=str)
    excerpts = pd.read_csv(data / "raw" / "excerpts.csv", dtype=str, keep_default_na=False)
    problems = []
    if orgs["org_id"].duplicated().any():
        problems.append("organisations.csv: duplicate org_id")
    known = set(orgs["org_id"])
    for col in ("reporter", "partner"):
        bad = ties.loc[~ties[col].isin(known), col]
        problems += [f"ties.csv: line {i + 2}: unknown organisation {v}" for i, v in bad.items()]
    waves = [w["id"] for w in study["waves"]]
    bad = ties.loc[~ties["wave"].isin(waves), "wave"]
    problems += [f"ties.csv: line {i + 2}: unknown wave {v}" for i, v in bad.items()]
    for dim in study["dimensions"]:
        cats = {c["id"] for c in dim["categories"]}
        bad = orgs.loc[~orgs[dim["column"]].isin(cats), dim["column"]]
        problems += [f"organisations.csv: line {i + 2}: unknown category {v}" for i, v in bad.items()]
    codes = {c["id"] for c in study["codebook"]}
    for i, cs in excerpts["codes"].items():
        problems += [f"excerpts.csv: line {i + 2}: unknown code {c}" for c in cs.split(";") if c not in codes]
    if problems:
        sys.exit("\n".join(problems))
    for col in ("surveyed", "responded"):
        orgs[col] = orgs[col] == "true"
    excerpts["consent"] = excerpts["consent"] == "true"
    return study, orgs, ties, excerpts


def wave_graph(orgs, ties, wave, rule):
    reports = ties[ties["wave"] == wave]
    pairs = set(zip(reports["reporter"], reports["partner"]))
    g = nx.Graph()
    g.add_nodes_from(orgs["org_id"])
    for a, b in pairs:
        if a != b and (rule == "union" or (b, a) in pairs):
            g.add_edge(a, b)
    return g


def ei_test(g, labels, rng, permutations):
    """E-I index of the ties and the share of label permutations at least as extreme."""
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    edges = np.array([(index[a], index[b]) for a, b in g.edges], dtype=np.int64).reshape(-1, 2)
    lab = np.array([labels[v] for v in nodes])
    if len(edges) == 0:
        return {"ei": None, "p": None}

    def ei(lab):
        external = np.count_nonzero(lab[edges[:, 0]] != lab[edges[:, 1]])
        return (2 * external - len(edges)) / len(edges)

    observed = ei(lab)
    null = np.array([ei(rng.permutation(lab)) for _ in range(permutations)])
    return {
        "ei": observed,
        "null_mean": float(null.mean()),
        "p_within": float((np.count_nonzero(null <= observed) + 1) / (permutations + 1)),
        "p_across": float((np.count_nonzero(null >= observed) + 1) / (permutations + 1)),
    }


def wave_stats(study, orgs, ties, wave, rng):
    g = wave_graph(orgs, ties, wave["id"], study["tie_rule"])
    n = g.number_of_nodes()
    betweenness = nx.betweenness_centrality(g)
    closeness = nx.closeness_centrality(g)
    degree = dict(g.degree)
    top = sorted(betweenness, key=lambda v: (-betweenness[v], v))[:5]
    dims = []
    for dim in study["dimensions"]:
        col = dim["column"]
        labels = dict(zip(orgs["org_id"], orgs[col]))
        test = ei_test(g, labels, rng, study.get("permutations", 1000))
        cats = []
        for c in dim["categories"]:
            members = [v for v in g if labels[v] == c["id"]]
            cats.append({
                "id": c["id"], "label": c["label"], "colour": c["colour"],
                "organisations": len(members),
                "mean_degree": float(np.mean([degree[v] for v in members])) if members else 0.0,
                "cross": sum(1 for v in members for w in g[v] if labels[w] != c["id"]),
                "within": sum(1 for v in members for w in g[v] if labels[w] == c["id"]),
            })
        mixing = pd.crosstab(
            pd.Series([labels[a] for a, b in g.edges] + [labels[b] for a, b in g.edges]),
            pd.Series([labels[b] for a, b in g.edges] + [labels[a] for a, b in g.edges]),
        )
        dims.append({"column": col, "label": dim["label"], "test": test, "categories": cats,
                     "mixing": mixing})
    return {
        "id": wave["id"], "label": wave["label"], "graph": g,
        "ties": g.number_of_edges(), "organisations": n,
        "density": nx.density(g), "components": nx.number_connected_components(g),
        "mean_degree": 2 * g.number_of_edges() / n,
        "betweenness_mean": float(np.mean(list(betweenness.values()))),
        "betweenness_max": max(betweenness.values()),
        "closeness_mean": float(np.mean(list(closeness.values()))),
        "top_brokers": top, "dimensions": dims,
    }


def change_stats(study, orgs, ties, before, after, rng):
    a, b = before["graph"], after["graph"]
    ea = {tuple(sorted(e)) for e in a.edges}
    eb = {tuple(sorted(e)) for e in b.edges}
    permutations = study.get("permutations", 1000)
    respondents = sorted(orgs.loc[orgs["responded"], "org_id"])
    # Per respondent, the partners it named in each wave.
    named = {}
    for w in (before["id"], after["id"]):
        rep = ties[(ties["wave"] == w) & ties["reporter"].isin(respondents)]
        named[w] = rep.groupby("reporter")["partner"].apply(set).to_dict()

    def ties_of(rs, wave):
        pairs = set()
        for r in rs:
            for p in named[wave].get(r, ()):
                pairs.add((min(r, p), max(r, p)))
        return len(pairs)

    observed = ties_of(respondents, after["id"]) - ties_of(respondents, before["id"])
    boot = []
    for _ in range(permutations):
        sample = rng.choice(respondents, size=len(respondents), replace=True)
        boot.append(ties_of(sample, after["id"]) - ties_of(sample, before["id"]))
    swapped = []
    for _ in range(permutations):
        swap = rng.random(len(respondents)) < 0.5
        na, nb = dict(named[before["id"]]), dict(named[after["id"]])
        for r, s in zip(respondents, swap):
            if s:
                na[r], nb[r] = named[after["id"]].get(r, set()), named[before["id"]].get(r, set())
        pairs_a = {(min(r, p), max(r, p)) for r, ps in na.items() for p in ps}
        pairs_b = {(min(r, p), max(r, p)) for r, ps in nb.items() for p in ps}
        swapped.append(len(pairs_b) - len(pairs_a))
    swapped = np.array(swapped)
    return {
        "new": len(eb - ea), "lost": len(ea - eb), "kept": len(ea & eb),
        "change": observed,
        "ci_low": float(np.quantile(boot, 0.025)), "ci_high": float(np.quantile(boot, 0.975)),
        "p_increase": float((np.count_nonzero(swapped >= observed) + 1) / (permutations + 1)),
    }


def qualitative(study, excerpts):
    counts = {c["id"]: 0 for c in study["codebook"]}
    for cs in excerpts["codes"]:
        for c in cs.split(";"):
            counts[c] += 1
    ids = list(counts)
    co = pd.DataFrame(0, index=ids, columns=ids)
    for cs in excerpts["codes"]:
        cs = cs.split(";")
        for x in cs:
            for y in cs:
                if x != y:
                    co.loc[x, y] += 1
    quotes = excerpts[excerpts["consent"]].head(6)
    return {"counts": counts, "cooccurrence": co, "quotes": list(quotes["text"])}


def figures(study, waves, qual, out, seed):
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name):
        fig.savefig(fig_dir / name, format="svg", metadata={"Date": None})
        plt.close(fig)
        written.append(name)

    dims = {d["column"]: d for d in study["dimensions"]}
    for col, dim in dims.items():
        for kind in ("distribution", "ties-by", "cross-ratio-by"):
            fig, ax = plt.subplots(figsize=(6, 3.2))
            cats = [c["label"] for c in dim["categories"]]
            width = 0.8 / len(waves)
            for i, w in enumerate(waves):
                d = next(x for x in w["dimensions"] if x["column"] == col)
                if kind == "distribution":
                    ys = [c["organisations"] for c in d["categories"]]
                elif kind == "ties-by":
                    ys = [c["mean_degree"] for c in d["categories"]]
                else:
                    ys = [c["cross"] / max(1, c["within"]) for c in d["categories"]]
                ax.bar(np.arange(len(cats)) + i * width, ys, width, label=w["label"],
                       color=[c["colour"] for c in dim["categories"]], alpha=0.5 + 0.5 * i)
            ax.set_xticks(np.arange(len(cats)) + width / 2, cats, fontsize=7)
            ax.legend(fontsize=7)
            save(fig, f"{kind}-{col}.svg")
    for w in waves:
        for col in (study["primary_dimension"], study.get("vertical_dimension")):
            if not col:
                continue
            d = next(x for x in w["dimensions"] if x["column"] == col)
            fig, ax = plt.subplots(figsize=(4, 4))
            ax.imshow(d["mixing"].values, cmap="Blues")
            ax.set_xticks(range(len(d["mixing"].columns)), d["mixing"].columns, fontsize=7)
            ax.set_yticks(range(len(d["mixing"].index)), d["mixing"].index, fontsize=7)
            save(fig, f"mixing-{col}-{w['id']}.svg")
        g = w["graph"]
        pos = nx.spring_layout(g, seed=seed)
        primary = dims[study["primary_dimension"]]
        colour = {c["id"]: c["colour"] for c in primary["categories"]}
        labels = nx.get_node_attributes(g, "cat")
        fig, ax = plt.subplots(figsize=(6, 6))
        nx.draw_networkx_edges(g, pos, ax=ax, width=0.5, alpha=0.4)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_size=30,
                               node_color=[colour.get(labels.get(v), "#999999") for v in g])
        ax.set_axis_off()
        save(fig, f"network-{w['id']}.svg")
    for kind in ("challenge", "benefit", "recommendation"):
        codes = [c for c in study["codebook"] if c["kind"] == kind]
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.barh([c["label"][:40] for c in codes], [qual["counts"][c["id"]] for c in codes])
        save(fig, f"themes-{kind}.svg")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(qual["cooccurrence"].values, cmap="Greens")
    save(fig, "codes.svg")
    return written


def render(study, waves, change, qual, figs, out):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=False, keep_trailing_newline=True)

    def typst_str(s):
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

    env.filters["str"] = typst_str
    env.filters["num"] = lambda x, d=2: f"{x:.{d}f}"
    ctx = {"study": study, "waves": waves, "change": change, "qual": qual, "figures": figs}
    for name in ("brief", "deck"):
        (out / f"{name}.typ").write_text(env.get_template(f"{name}.typ.j2").render(**ctx),
                                         encoding="utf-8")


def compile_pdfs(study, out, report):
    fonts = [str(report / "fonts")]
    stamp = int(time.mktime(time.strptime(study["created"], "%Y-%m-%d")))
    for name in ("brief", "deck"):
        typst.compile(str(out / f"{name}.typ"), output=str(out / f"{name}.pdf"), root=str(out),
                      font_paths=fonts, ignore_system_fonts=True, timestamp=stamp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "data")
    ap.add_argument("--report", type=Path, default=HERE.parent.parent / "report")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--json", action="store_true", help="print the stage times as one JSON line")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t = lap("import", T0)
    study, orgs, ties, excerpts = load(args.data)
    t = lap("validate", t)
    rng = np.random.default_rng(study["seed"])
    waves = [wave_stats(study, orgs, ties, w, rng) for w in study["waves"]]
    change = change_stats(study, orgs, ties, waves[0], waves[-1], rng) if len(waves) > 1 else None
    qual = qualitative(study, excerpts)
    summary = {
        "waves": [{k: v for k, v in w.items() if k not in ("graph", "dimensions")} for w in waves],
        "change": change, "codes": qual["counts"],
    }
    (args.out / "stats.json").write_text(json.dumps(summary, indent=1, default=str))
    t = lap("statistics", t)
    for w in waves:
        primary = dict(zip(orgs["org_id"], orgs[study["primary_dimension"]]))
        nx.set_node_attributes(w["graph"], primary, "cat")
    figs = figures(study, waves, qual, args.out, study["seed"])
    t = lap("figures", t)
    render(study, waves, change, qual, figs, args.out)
    t = lap("templates", t)
    compile_pdfs(study, args.out, args.report)
    t = lap("typst compile", t)
    LAPS.append(("total", t - T0))
    if args.json:
        print(json.dumps({name: round(s, 4) for name, s in LAPS}))
    else:
        for name, s in LAPS:
            print(f"{name:>14}: {s * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
