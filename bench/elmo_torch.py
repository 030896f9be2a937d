#!/usr/bin/env python3
"""elmo_torch.py - Zaremba et al.'s "small" word-level LSTM language model on the Penn
Treebank, in plain PyTorch, set up as elmo-train(1) trains it, for bench/elmo.sh.

Data (as lib/lm/lm.h): ids 0 <S>, 1 </S>, 2 <UNK>, then every word of the training file by
falling count (ties in order of first appearance). Each line is a sentence. The forward
model reads "w1 .. wn </S> v1 .. vm </S> ..."; the backward model (--bidir) reads the
reverse of "<S> w1 .. wn <S> v1 .. vm ...", that is "vm .. v1 <S> wn .. w1 <S>". Words of
valid/test that are not in the training vocabulary become <UNK> (PTB has none).

Model: embedding 200, 2-layer nn.LSTM 200 (no projection, no dropout), softmax 200 -> V
with bias, not tied. With --bidir the backward direction has its own LSTM and shares the
embedding and the softmax (as ELMo). Weights uniform in +-init_scale; biases zero, and
nn.LSTM's second bias (bias_hh) is frozen at zero so the parameters are exactly those of
lib/lm/lstm.h (one bias per gate); --forget-bias adds to the forget gate's bias.

Training: B=20 contiguous streams, unroll T=35 (Zaremba's reader: (len/B - 1) // T batches
per epoch, the tail dropped), state carried across batches and detached; loss =
cross-entropy summed over the T steps and averaged over the batch (mean CE x T), forward
plus backward with --bidir; gradients clipped to global norm 5 over all parameters; SGD,
lr = lr0 * 0.5 ** max(epoch - 4, 0) for epoch = 1, 2, ... (Zaremba: lr_decay =
0.5 ** max(i + 1 - max_epoch, 0), max_epoch 4).

Evaluation: not Zaremba's batch 1 / unroll 1 but, for speed, the same B=20 streams and
T=35 with carried state from a zero start, over every position of the streams (the last
chunk shorter than T included; only the len % B leftover tokens are dropped): perplexity
exp(total CE / predicted tokens). Batch 1 differs only by the restarts at the 20 stream
starts, well under 1%.

tokens/s counts T x B corpus tokens per training batch, whether one or two directions
run (a bidirectional batch reads the same T x B tokens forward and backward), so fwd and
bidir rates are comparable "corpus tokens trained per second", as in issue 5.

Output on stdout, one "key<TAB>value" per line: epoch lines as "epoch N lr train_ppl
valid_fwd valid_bwd tokens_per_s seconds" (tab-separated, prefixed "epoch"), then
tokens_per_s, valid_ppl_fwd, valid_ppl_bwd (with --bidir), test_ppl_fwd, test_ppl_bwd
(with --bidir), train_seconds, train_cpu_seconds, seconds (training + evaluation). Progress on stderr unless -q.
"""
import argparse
import gzip
import math
import os
import sys
import time
from collections import Counter

# torch's own pool (--threads) runs the GEMMs through OpenBLAS; an OpenBLAS pool on top of
# it oversubscribes the cores (measured here: 606 instead of 3,015 tokens/s on 2 cores), so
# OpenBLAS stays at one thread unless the caller says otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402 (after the environment is set)
import torch.nn as nn

BOS, EOS, UNK, NSPECIAL = 0, 1, 2, 3


def read_sentences(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.split() for line in f]


def build_vocab(sents):
    counts = Counter()
    first = {}
    for s in sents:
        for w in s:
            counts[w] += 1
            first.setdefault(w, len(first))
    words = sorted(counts, key=lambda w: (-counts[w], first[w]))
    ids = {w: NSPECIAL + i for i, w in enumerate(words)}
    return ids, NSPECIAL + len(words)


def stream(sents, ids, backward):
    """The id stream one direction reads (see the module comment)."""
    out = []
    if not backward:
        for s in sents:
            out.extend(ids.get(w, UNK) for w in s)
            out.append(EOS)
    else:
        for s in reversed(sents):
            out.extend(ids.get(w, UNK) for w in reversed(s))
            out.append(BOS)
    return torch.tensor(out, dtype=torch.long)


def batchify(data, B):
    n = data.numel() // B
    return data[: n * B].view(B, n).t().contiguous()   # [n][B], column j is stream j


class BiLM(nn.Module):
    def __init__(self, V, emb, hidden, layers, bidir):
        super().__init__()
        self.emb = nn.Embedding(V, emb)
        self.lstm = nn.ModuleList([nn.LSTM(emb, hidden, layers)
                                   for _ in range(2 if bidir else 1)])
        self.softmax = nn.Linear(hidden, V)

    def init(self, scale, forget_bias):
        for name, p in self.named_parameters():
            if "bias" in name:
                nn.init.zeros_(p)
            else:
                nn.init.uniform_(p, -scale, scale)
        for lstm in self.lstm:
            H = lstm.hidden_size
            for l in range(lstm.num_layers):
                with torch.no_grad():
                    getattr(lstm, f"bias_ih_l{l}")[H:2 * H] = forget_bias
                getattr(lstm, f"bias_hh_l{l}").requires_grad_(False)   # one bias, as lib/lm/lstm.h

    def forward(self, d, x, state):
        """Direction d over x [T][B]: logits [T*B][V] and the end state."""
        y, state = self.lstm[d](self.emb(x), state)
        return self.softmax(y.reshape(-1, y.size(-1))), state


def detach(state):
    return tuple(s.detach() for s in state) if state is not None else None


def evaluate(model, data, T, dirs):
    """exp(total CE / predicted tokens) per direction over batchified streams data[d]."""
    model.eval()
    ppl = []
    with torch.inference_mode():
        for d in range(dirs):
            src = data[d]
            state, total, count = None, 0.0, 0
            for i in range(0, src.size(0) - 1, T):
                t = min(T, src.size(0) - 1 - i)
                logits, state = model(d, src[i:i + t], state)
                total += nn.functional.cross_entropy(
                    logits, src[i + 1:i + 1 + t].reshape(-1), reduction="sum").item()
                count += t * src.size(1)
            ppl.append(math.exp(total / count))
    model.train()
    return ppl


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "shared", "data", "ptb"),
                    help="directory with ptb.{train,valid,test}.txt[.gz]")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bidir", action="store_true", help="train forward and backward")
    ap.add_argument("--max-batches", type=int, default=0,
                    help="stop after N batches in all (quick runs, as elmo-train's "
                         "--max-batches; 0: all); the partial epoch is still evaluated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--unroll", type=int, default=35)
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--decay-after", type=int, default=4,
                    help="epochs at the full lr; then halved each epoch (Zaremba max_epoch)")
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--init-scale", type=float, default=0.1)
    ap.add_argument("--forget-bias", type=float, default=0.0)
    ap.add_argument("--no-test", action="store_true", help="skip the test-set perplexity")
    ap.add_argument("--no-valid", action="store_true",
                    help="skip validation (throughput-only runs)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    def find(split):
        for ext in (".txt.gz", ".txt"):
            p = os.path.join(a.data, f"ptb.{split}{ext}")
            if os.path.exists(p):
                return p
        sys.exit(f"elmo_torch.py: {a.data}: no ptb.{split}.txt[.gz]")

    t_load = time.monotonic()
    train_s = read_sentences(find("train"))
    valid_s = read_sentences(find("valid"))
    test_s = read_sentences(find("test"))
    ids, V = build_vocab(train_s)
    dirs = 2 if a.bidir else 1
    B, T = a.batch, a.unroll
    train = [batchify(stream(train_s, ids, d == 1), B) for d in range(dirs)]
    valid = [batchify(stream(valid_s, ids, d == 1), B) for d in range(dirs)]
    test = [batchify(stream(test_s, ids, d == 1), B) for d in range(dirs)]
    nbatch = (train[0].size(0) - 1) // T
    if not a.quiet:
        print(f"elmo_torch.py: V {V}, {train[0].numel()} train tokens, {nbatch} batches of "
              f"{T}x{B} per epoch, {dirs} direction(s), {a.threads} threads, torch "
              f"{torch.__version__}, OPENBLAS_NUM_THREADS "
              f"{os.environ['OPENBLAS_NUM_THREADS']} (data {time.monotonic() - t_load:.1f}s)", file=sys.stderr)

    model = BiLM(V, a.hidden, a.hidden, a.layers, a.bidir)
    model.init(a.init_scale, a.forget_bias)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=a.lr)

    t_start = time.monotonic()
    train_time, train_tokens, train_cpu = 0.0, 0, 0.0
    vppl = [float("nan")] * dirs
    done = 0    # batches trained in all, for --max-batches
    for epoch in range(1, a.epochs + 1):
        if a.max_batches > 0 and done >= a.max_batches:
            break
        nb = nbatch if a.max_batches <= 0 else min(nbatch, a.max_batches - done)
        lr = a.lr * 0.5 ** max(epoch - a.decay_after, 0)
        for g in opt.param_groups:
            g["lr"] = lr
        state = [None] * dirs
        t0, c0 = time.monotonic(), time.process_time()
        ce_sum, ce_n = 0.0, 0
        for b in range(nb):
            i = b * T
            opt.zero_grad(set_to_none=True)
            loss = 0.0
            for d in range(dirs):
                logits, st = model(d, train[d][i:i + T], state[d])
                state[d] = detach(st)
                ce = nn.functional.cross_entropy(logits, train[d][i + 1:i + 1 + T].reshape(-1))
                loss = loss + ce * T       # summed over the T steps, averaged over the batch
                ce_sum += ce.item()
                ce_n += 1
            loss.backward()
            nn.utils.clip_grad_norm_(params, a.clip)
            opt.step()
            if not a.quiet and (b + 1) % 100 == 0:
                el = time.monotonic() - t0
                print(f"  epoch {epoch} batch {b + 1}/{nbatch} train ppl "
                      f"{math.exp(ce_sum / ce_n):.1f} {(b + 1) * T * B / el:.0f} tokens/s",
                      file=sys.stderr)
        el = time.monotonic() - t0
        train_cpu += time.process_time() - c0
        train_time += el
        done += nb
        train_tokens += nb * T * B
        tps = nb * T * B / el if el > 0 else 0.0
        tppl = math.exp(ce_sum / max(ce_n, 1))
        if not a.no_valid:
            vppl = evaluate(model, valid, T, dirs)
        cols = [str(epoch), f"{lr:g}", f"{tppl:.2f}"] + [f"{p:.2f}" for p in vppl]
        if dirs == 1:
            cols.append("-")
        print("epoch\t" + "\t".join(cols + [f"{tps:.1f}", f"{el:.1f}"]), flush=True)
        if not a.quiet:
            print(f"elmo_torch.py: epoch {epoch} lr {lr:g} train ppl {tppl:.2f} valid ppl "
                  + " / ".join(f"{p:.2f}" for p in vppl) + f", {tps:.0f} tokens/s, {el:.1f}s",
                  file=sys.stderr)

    print(f"tokens_per_s\t{train_tokens / train_time if train_time > 0 else 0.0:.1f}")
    print(f"valid_ppl_fwd\t{vppl[0]:.3f}")
    if dirs == 2:
        print(f"valid_ppl_bwd\t{vppl[1]:.3f}")
    if not a.no_test:
        tppl = evaluate(model, test, T, dirs)
        print(f"test_ppl_fwd\t{tppl[0]:.3f}")
        if dirs == 2:
            print(f"test_ppl_bwd\t{tppl[1]:.3f}")
    print(f"train_seconds\t{train_time:.2f}")
    # user + system CPU of all threads while training: well under threads x train_seconds
    # means other jobs had the cores and tokens_per_s understates an idle machine
    print(f"train_cpu_seconds\t{train_cpu:.2f}")
    print(f"seconds\t{time.monotonic() - t_start:.2f}")


if __name__ == "__main__":
    main()
