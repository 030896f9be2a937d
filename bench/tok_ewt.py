#!/usr/bin/env python3
"""tok_ewt.py - how closely tok(1) splits raw English the way the UD English Web Treebank
(EWT) does: tokens against the gold word FORMs, and sentence ends against the gold
sentences.

    tok_ewt.py [--tok PATH] [--split train|dev] [--data DIR] tokens    [TOK_ARG ...]
    tok_ewt.py [--tok PATH] [--split train|dev] [--data DIR] sentences [TOK_ARG ...]

tokens: the `# text = ...` line of every sentence is one input line; the tokens tok writes
are located in that text (in order, as substrings) and compared as character spans with
the spans of the gold words (the word lines, integer IDs; the words of a multiword token
are located inside its surface form, or the surface form counts as one gold token when
they are not substrings of it, e.g. `its` = `it` + `s`). Prints span precision, recall,
F1 and the share of sentences whose spans all match.

sentences: the sentences of each paragraph (`# newpar`, `# newdoc`) are joined by one
space into one input line; run with `--sentences` among TOK_ARG, each record tok writes
is one predicted sentence. Compares the sentence starts inside paragraphs (a paragraph's
first sentence is given) with the gold ones: precision, recall, F1.

Both print one line of key=value pairs; -v adds the first mismatches on stderr.
"""
import argparse
import gzip
import os
import subprocess
import sys



def read_conllu(path):
    """Sentences as dicts: text, par (starts a paragraph), words [(form, mwt_surface)]."""
    sents, cur, par = [], None, True
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if cur is not None:
                    sents.append(cur)
                cur = None
                continue
            if cur is None:
                cur = {"text": None, "par": par, "words": []}
                par = False
            if line.startswith("#"):
                if line.startswith("# newpar") or line.startswith("# newdoc"):
                    cur["par"] = True
                elif line.startswith("# text = "):
                    cur["text"] = line[len("# text = "):]
                continue
            cols = line.split("\t")
            if "." in cols[0]:
                continue
            if "-" in cols[0]:
                a, b = cols[0].split("-")
                cur["mwt"] = (cols[1], int(a), int(b), [])
                continue
            cur["words"].append(cols[1])
            m = cur.get("mwt")
            if m is not None and m[1] <= int(cols[0]) <= m[2]:
                m[3].append(len(cur["words"]) - 1)
                if int(cols[0]) == m[2]:
                    cur.setdefault("mwts", []).append(m)
                    cur["mwt"] = None
    if cur is not None:
        sents.append(cur)
    return sents


def gold_spans(s):
    """Character spans of the gold words inside s['text'], and how many words were lost."""
    text, words = s["text"], s["words"]
    in_mwt = {}
    for surface, _, _, idx in s.get("mwts", []):
        in_mwt[idx[0]] = (surface, idx)
    spans, pos, lost, i = [], 0, 0, 0
    while i < len(words):
        if i in in_mwt:
            surface, idx = in_mwt[i]
            start = text.find(surface, pos)
            if start < 0:
                lost += len(idx)
                i += len(idx)
                continue
            sub, p, ok = [], start, True
            for j in idx:
                q = text.find(words[j], p, start + len(surface))
                if q < 0:
                    ok = False
                    break
                sub.append((q, q + len(words[j])))
                p = q + len(words[j])
            spans.extend(sub if ok else [(start, start + len(surface))])
            pos = start + len(surface)
            i += len(idx)
            continue
        q = text.find(words[i], pos)
        if q < 0:
            lost += 1
        else:
            spans.append((q, q + len(words[i])))
            pos = q + len(words[i])
        i += 1
    return spans, lost


def run_tok(tok, args, lines):
    """The records of `tok ARGS` on lines, as lists of tokens (through `wpcat --lines`: tok's
    tokens never hold a space)."""
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    wpcat = os.path.join(os.path.dirname(tok), "wpcat")
    p = subprocess.run(f"'{tok}' -q {' '.join(args)} | '{wpcat}' --lines", shell=True,
                       input=data, stdout=subprocess.PIPE, check=True)
    return [line.split(" ") for line in p.stdout.decode("utf-8").split("\n")[:-1]]


def locate(text, toks, pos=0):
    """Spans of toks found in order in text from pos; tokens not found are skipped."""
    spans = []
    for t in toks:
        q = text.find(t, pos, pos + 2000)
        if q < 0:
            continue
        spans.append((q, q + len(t)))
        pos = q + len(t)
    return spans, pos


def prf(tp, npred, ngold):
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def eval_tokens(a, sents):
    texts = [s["text"] for s in sents]
    recs = run_tok(a.tok, a.tok_args, texts)
    if len(recs) != len(texts):
        sys.exit(f"tok_ewt.py: {len(texts)} lines in, {len(recs)} records out "
                 "(use tokens mode without --sentences)")
    tp = npred = ngold = exact = lost = 0
    shown = 0
    for s, toks in zip(sents, recs):
        g, l_ = gold_spans(s)
        lost += l_
        p, _ = locate(s["text"], toks)
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        npred += len(toks)
        ngold += len(g)
        if gs == ps and len(p) == len(toks):
            exact += 1
        elif a.verbose and shown < a.verbose:
            shown += 1
            print("gold:", " ".join(s["text"][x:y] for x, y in g), file=sys.stderr)
            print("tok: ", " ".join(toks), file=sys.stderr)
    P, R, F = prf(tp, npred, ngold)
    print(f"split={a.split} args='{' '.join(a.tok_args)}' sentences={len(sents)} "
          f"gold={ngold} pred={npred} P={100*P:.2f} R={100*R:.2f} F1={100*F:.2f} "
          f"exact={100*exact/len(sents):.2f} gold_lost={lost}")


def eval_sentences(a, sents):
    pars = []
    for s in sents:
        if s["par"] or not pars:
            pars.append([])
        pars[-1].append(s["text"])
    lines = [" ".join(p) for p in pars]
    raw = "\n".join(lines)
    gold, starts, off = set(), set(), 0
    for p, line in zip(pars, lines):
        starts.add(off)
        q = off
        for k, t in enumerate(p):
            if k > 0:
                gold.add(q)
            q += len(t) + 1
        off += len(line) + 1
    recs = run_tok(a.tok, a.tok_args, lines)
    pred, pos = set(), 0
    for toks in recs:
        sp, pos = locate(raw, toks, pos)
        if sp and sp[0][0] not in starts:
            pred.add(sp[0][0])
    P, R, F = prf(len(gold & pred), len(pred), len(gold))
    print(f"split={a.split} args='{' '.join(a.tok_args)}' paragraphs={len(pars)} "
          f"boundaries={len(gold)} pred={len(pred)} P={100*P:.2f} R={100*R:.2f} "
          f"F1={100*F:.2f}")
    if a.verbose:
        missed = sorted(gold - pred)[: a.verbose]
        extra = sorted(pred - gold)[: a.verbose]
        for what, xs in (("missed", missed), ("extra", extra)):
            for x in xs:
                print(what, repr(raw[max(0, x - 40):x]), "|", repr(raw[x:x + 30]),
                      file=sys.stderr)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", default=os.path.join(here, "..", "build", "bin", "tok"))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--split", default="train", choices=("train", "dev"))
    ap.add_argument("-v", "--verbose", type=int, default=0, metavar="N")
    ap.add_argument("mode", choices=("tokens", "sentences"))
    ap.add_argument("tok_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    sents = read_conllu(os.path.join(a.data, "ud-ewt", f"en_ewt-ud-{a.split}.conllu.gz"))
    (eval_tokens if a.mode == "tokens" else eval_sentences)(a, sents)


if __name__ == "__main__":
    main()
