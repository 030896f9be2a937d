#!/usr/bin/env python3
"""embed_torch.py - the contextual half of embed(1) in PyTorch, for bench/embed.sh (issue 6):
loads an elmo-train(1) model file through wpstream.py and gives every token of every
sentence the model's layers, as `embed --model MODEL --all-layers` does:

  layer 0      the word embedding, duplicated: [x; x]
  layer l > 0  [forward_l; backward_l], each sentence from zero state; the forward LSTM
               reads [</S>, w1 .. wn], the backward one [<S>, wn .. w1] (lib/lm/lm.h), and
               token i gets the forward output after w_i and the backward output after
               w_i. A forward-only model leaves the backward half zero.

Word input only, LSTMs with or without projection (nn.LSTM proj_size), residual
connections from layer 2 on; cell and projection clipping and character input are not
implemented here (the script refuses such models).

Sentences are the lines of the input text (gzip read transparently), split at whitespace,
empty lines skipped -- what `tok --whitespace` makes of them. Tokens map to ids as lm_token: <S> 0,
</S> 1, the vocabulary words 3.., anything else <UNK> 2.

Throughput: sentences are sorted by length and run in batches (--batch, packed sequences,
so padding changes nothing) under torch.inference_mode() on --threads threads; prints
"sentences_per_s", "tokens_per_s", "seconds" (the embedding alone: model loading and text
reading excluded), "sentences" and "tokens", one "key<TAB>value" per line on stdout.

--check FILE.npy compares against embed's `--format npy` output ([sentences][longest]
[layers][dim], zero padded) and fails (exit 1) unless every value is within --tol (default
1e-4, absolute). -o FILE.npy writes the same array (mind the size: ptb.test is ~1.4 GB).
"""
import argparse
import gzip
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # torch's threads, not OpenBLAS's

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wpstream  # noqa: E402

BOS, EOS, UNK, NSPECIAL = 0, 1, 2, 3
DIRS = ("fwd", "bwd")

# Tensor names of the model file (lib/lm/lm.c, lm_tensors); {d} is fwd/bwd, {l} the layer.
NAMES = {
    "vocab": "vocab",            # bytes: each word followed by '\n', ids 3.. in order
    "emb": "word_emb",           # [V][W]
    "wx": "lstm.{d}.{l}.wx",     # [4H][in], gates i, f, g, o (nn.LSTM's order)
    "wh": "lstm.{d}.{l}.wh",     # [4H][W]
    "b": "lstm.{d}.{l}.b",       # [4H]
    "p": "lstm.{d}.{l}.p",       # [proj][H], projection only
}


def die(msg, code=3):
    print(f"embed_torch.py: {msg}", file=sys.stderr)
    sys.exit(code)


class ELMo(nn.Module):
    def __init__(self, path):
        super().__init__()
        meta, t = wpstream.load_model(path)
        if meta.get("model") != "elmo":
            die(f"{path}: not an elmo-train model (metadata model={meta.get('model')})")
        if meta.get("char_input", 0):
            die(f"{path}: character input is not implemented in this script")
        if meta.get("cell_clip", 0) or meta.get("proj_clip", 0):
            die(f"{path}: cell/projection clipping is not implemented in this script")
        self.L = int(meta["layers"])
        self.H = int(meta["hidden"])
        self.P = int(meta.get("proj", 0))
        self.W = self.P or self.H
        self.dirs = int(meta.get("directions", 2))
        self.residual = int(meta.get("residual", 0))
        V = int(meta["vocab_size"])
        words = t[NAMES["vocab"]].decode("utf-8").split("\n")[:-1]
        if len(words) + NSPECIAL != V:
            die(f"{path}: {len(words)} vocabulary words for vocab_size {V}")
        self.ids = {w: NSPECIAL + i for i, w in enumerate(words)}
        self.ids["<S>"], self.ids["</S>"] = BOS, EOS
        emb = torch.from_numpy(t[NAMES["emb"]].copy())
        if tuple(emb.shape) != (V, self.W):
            die(f"{path}: word_emb is {tuple(emb.shape)}, expected {(V, self.W)}")
        self.emb = nn.Embedding.from_pretrained(emb, freeze=True)
        self.lstm = nn.ModuleList()
        for d in range(self.dirs):
            layers = nn.ModuleList()
            for l in range(self.L):
                def get(key, shape):
                    name = NAMES[key].format(d=DIRS[d], l=l)
                    if name not in t:
                        die(f"{path}: tensor {name} missing")
                    a = torch.from_numpy(np.asarray(t[name], dtype=np.float32).copy())
                    if tuple(a.shape) != shape:
                        die(f"{path}: {name} is {tuple(a.shape)}, expected {shape}")
                    return a
                m = nn.LSTM(self.W, self.H, 1, proj_size=self.P)
                with torch.no_grad():
                    m.weight_ih_l0.copy_(get("wx", (4 * self.H, self.W)))
                    m.weight_hh_l0.copy_(get("wh", (4 * self.H, self.W)))
                    m.bias_ih_l0.copy_(get("b", (4 * self.H,)))
                    m.bias_hh_l0.zero_()           # lib/lm/lstm.h has one bias per gate
                    if self.P:
                        m.weight_hr_l0.copy_(get("p", (self.P, self.H)))
                layers.append(m)
            self.lstm.append(layers)
        self.eval()

    def token_ids(self, words):
        return [self.ids.get(w, UNK) for w in words]

    def embed_batch(self, sents):
        """sents: lists of ids. Returns [(L+1)][n][2W] float tensors, one per sentence."""
        B, W = len(sents), self.W
        lens = torch.tensor([len(s) for s in sents])
        n = int(lens.max())
        out = torch.zeros(B, self.L + 1, n, 2 * W)
        # backward: token i of sentence j was read at position lens[j] - i (gather index)
        pos = (lens[:, None] - torch.arange(n)[None, :]).clamp(min=0)
        back = pos[:, :, None].expand(B, n, W)
        for d in range(min(self.dirs, 2)):
            # the boundary, then the words in this direction's reading order, left-aligned
            x = torch.zeros(B, n + 1, dtype=torch.long)
            x[:, 0] = EOS if d == 0 else BOS
            for j, s in enumerate(sents):
                x[j, 1:len(s) + 1] = torch.tensor(s if d == 0 else s[::-1])
            h = self.emb(x)                                        # [B][n+1][W]
            if d == 0:
                out[:, 0, :, :W] = h[:, 1:]
                out[:, 0, :, W:] = h[:, 1:]
            for l in range(self.L):
                packed = pack_padded_sequence(h, lens + 1, batch_first=True,
                                              enforce_sorted=False)
                y, _ = self.lstm[d][l](packed)
                y, _ = pad_packed_sequence(y, batch_first=True, total_length=n + 1)
                if self.residual and l > 0:
                    y = y + h
                if d == 0:
                    out[:, l + 1, :, :W] = y[:, 1:]
                else:
                    out[:, l + 1, :, W:] = torch.gather(y, 1, back)
                h = y
        # positions past a sentence's end hold padding garbage: cut them off
        return [out[j, :, :len(s)] for j, s in enumerate(sents)]


def read_sentences(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    if path == "-":
        f = sys.stdin
    else:
        f = opener(path, "rt", encoding="utf-8")
    sents = []
    for line in f:
        w = line.split()
        if w:
            sents.append(w)
            if limit and len(sents) >= limit:
                break
    return sents


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-m", "--model", required=True, help="elmo-train model file")
    ap.add_argument("text", help="text, one sentence per line (gzip ok; '-' stdin)")
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-b", "--batch", type=int, default=64,
                    help="sentences per batch, sorted by length (1: one at a time)")
    ap.add_argument("-n", "--sentences", type=int, default=0, help="first N sentences only")
    ap.add_argument("--check", help="embed --format npy output to compare with")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("-o", "--output", help="write [sentences][longest][layers][dim] .npy")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    model = ELMo(a.model)
    sents = read_sentences(a.text, a.sentences)
    ids = [model.token_ids(s) for s in sents]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
    res = [None] * len(ids)
    t0 = time.monotonic()
    c0 = time.process_time()
    with torch.inference_mode():
        for k in range(0, len(order), a.batch):
            idx = order[k:k + a.batch]
            for i, r in zip(idx, model.embed_batch([ids[i] for i in idx])):
                res[i] = r
    secs = time.monotonic() - t0
    cpu = time.process_time() - c0
    ntok = sum(len(s) for s in ids)
    print(f"sentences\t{len(ids)}")
    print(f"tokens\t{ntok}")
    print(f"seconds\t{secs:.3f}")
    print(f"cpu_seconds\t{cpu:.3f}")
    print(f"sentences_per_s\t{len(ids) / secs:.1f}")
    print(f"tokens_per_s\t{ntok / secs:.1f}")
    unk = sum(i == UNK for s in ids for i in s)
    if unk:
        print(f"embed_torch.py: {unk} tokens not in the vocabulary read as <UNK>",
              file=sys.stderr)

    longest = max((len(s) for s in ids), default=0)
    layers, dim = model.L + 1, 2 * model.W
    if a.output:
        arr = np.lib.format.open_memmap(a.output, mode="w+", dtype="<f4",
                                        shape=(len(ids), longest, layers, dim))
        for i, r in enumerate(res):
            arr[i, :r.shape[1]] = r.permute(1, 0, 2).numpy()
        arr.flush()
        del arr
    if a.check:
        ref = np.load(a.check, mmap_mode="r")
        want = (len(ids), longest, layers, dim)
        if ref.shape != want:
            die(f"{a.check}: shape {ref.shape}, expected {want} (embed --model MODEL --format npy "
                f"on the same sentences, --all-layers)", 1)
        worst, where = 0.0, None
        for i, r in enumerate(res):
            ours = np.zeros((longest, layers, dim), np.float32)
            ours[:r.shape[1]] = r.permute(1, 0, 2).numpy()
            diff = np.abs(ours - ref[i])
            m = float(diff.max()) if diff.size else 0.0
            if m > worst:
                j = np.unravel_index(int(diff.argmax()), diff.shape)
                worst, where = m, (i,) + tuple(int(x) for x in j)
        print(f"check_max_abs_diff\t{worst:.3g}")
        if worst > a.tol:
            die(f"{a.check}: differs by {worst:.3g} > {a.tol:g} at [sentence, token, layer, "
                f"dim] = {list(where)}", 1)
        print(f"check\tok (max |diff| {worst:.3g} <= {a.tol:g})")


if __name__ == "__main__":
    main()
