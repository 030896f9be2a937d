#!/usr/bin/env python3
"""elmo_char_torch.py - elmo-train's character-input biLM (issue 16's Wikipedia architecture)
in plain PyTorch, for bench/elmo-speed.sh: training speed over a fixed number of windows
after a warm-up, and the training loss, on the same token stream and vocabulary that
elmo-train reads.

Data (as lib/lm/lm.h): a tok(1) token stream (one record a sentence) and a vocab(1) stream;
ids 0 <S>, 1 </S>, 2 <UNK>, then the vocabulary words in file order (frequency order, as the
log-uniform sampler wants). The forward stream is "</S> w1 .. wn </S> v1 .. vm </S> ...",
the backward one its reverse with </S> turned into <S>; each is cut into B rows of
(n - 1) // B tokens (lm_train.c's row_len), window w = steps w*T .. w*T+T-1 of every row,
state carried across windows and detached.

Model (elmo-train --char-input with the flags of pipelines/probe.mk; lib/lm/charenc.h,
lstm.h, lm.h, lmsoftmax.h):
- characters: BOW (256), the word's bytes (cut to max_chars - 2 at a UTF-8 boundary), EOW
  (257), PAD (260); <S> and </S> are BOW, 258 or 259, EOW. <UNK> is the word "<UNK>".
- character embedding 261 x char_dim (16), PAD kept at zero; one convolution per width
  (filters w:n), max over positions, + bias, ReLU; highway layers (y = t*relu(Hx) + (1-t)*x,
  t = sigmoid(Tx - 2 at start)); a linear projection to the LSTM width (proj).
- per direction an LSTMP stack (nn.LSTM with proj_size: h = P (o * tanh c)), one bias per
  gate (bias_hh frozen at zero), no cell/projection clipping and no residual (elmo-train's
  defaults without --preset elmo-small; --cell-clip has no nn.LSTM equivalent).
- softmax V x proj with bias, shared by both directions, as is the character encoder.
- sampled softmax (TensorFlow's sampled_softmax_loss as bilm-tf and lmsoftmax.h): per
  window and direction one set of S distinct candidates from the log-uniform sampler
  P(k) = log((k+2)/(k+1)) / log(V+1), logits minus log(expected count) with expected
  count 1 - (1 - P)^tries, accidental hits (a candidate equal to the row's target) at -inf.
- loss: the summed -log p over the window divided by B, summed over directions; gradient
  clipped to global norm clip; Adagrad (lr, initial accumulator adagrad_init, as
  lm_train.c: w -= lr g / sqrt(acc); torch adds eps 1e-10 to the root).
- initialisation as lm_init/charenc_init: LSTM and softmax weights uniform in +-init, zero
  biases; character embeddings uniform in +-1, every encoder matrix uniform in
  +-sqrt(3/fan_in), highway gate bias -2.

Where the arithmetic differs from elmo-train, and why:
- the character CNN runs, as in elmo-train, once per distinct word of the window and
  direction (torch.unique). elmo-train convolves only the positions that start inside a
  word (plus one all-PAD window, exactly 0); a plain Conv1d convolves every position, so
  here the characters are cut to the window's longest word + the widest filter (the same
  values, bit for bit up to rounding) instead of max_chars, still more positions than
  elmo-train for the shorter words. The FLOP counts of both are printed
  (flops_per_token_torch, flops_per_token_wordpipe).
- LSTM, softmax and highway are the same products; torch computes W_hh h + b_hh with a
  zero b_hh (a few adds per gate).

tokens/s counts T x B corpus tokens per window (both directions train on them), as
elmo-train counts.

Output on stdout, one "key<TAB>value" per line: "loss<TAB>window<TAB>ppl<TAB>ppl_all"
every --log-every windows (ppl = exp(mean sampled loss per predicted token over the
windows since the last line, both directions; ppl_all: since the first window, as
elmo-train's progress line shows it)), then tokens_per_s, wall_s_per_window,
cpu_s_per_window (user + system of all threads over the timed windows), train_ppl (over
all windows, warm-up included, as elmo-train's), windows, warmup, vocab,
flops_per_token_torch, flops_per_token_wordpipe. Progress on stderr unless -q.
"""
import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# elmo_torch sets OPENBLAS_NUM_THREADS before torch is imported (see there); the word
# model's constants and state handling are shared.
from elmo_torch import BOS, EOS, UNK, NSPECIAL, detach  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import wpstream  # noqa: E402

BOW, EOW, CBOS, CEOS, PAD, NCHARS = 256, 257, 258, 259, 260, 261


def parse_filters(s):
    out = []
    for part in s.split(","):
        w, n = part.split(":")
        out.append((int(w), int(n)))
    return out


def word_chars(b, mc):
    """charenc_chars: BOW, bytes cut at a code point boundary to mc - 2, EOW, PAD..."""
    keep = len(b)
    if keep > mc - 2:
        keep = mc - 2
        while keep > 0 and (b[keep] & 0xC0) == 0x80:
            keep -= 1
    row = [BOW] + list(b[:keep]) + [EOW]
    return row + [PAD] * (mc - len(row))


def load_data(tokens, vocab, mc):
    """(word list, chars [V][mc] int64, lengths [V], forward id stream)."""
    words = []
    with wpstream.open_stream(vocab) as s:
        for rec in s:
            words.append(wpstream.decode_vocab(rec)[1])
    ids = {w: NSPECIAL + i for i, w in enumerate(words)}
    V = NSPECIAL + len(words)
    chars = np.empty((V, mc), dtype=np.int64)
    chars[BOS] = [BOW, CBOS, EOW] + [PAD] * (mc - 3)
    chars[EOS] = [BOW, CEOS, EOW] + [PAD] * (mc - 3)
    chars[UNK] = word_chars(b"<UNK>", mc)
    for i, w in enumerate(words):
        chars[NSPECIAL + i] = word_chars(w.encode("utf-8"), mc)
    lens = (chars != PAD).sum(axis=1)
    fwd = [EOS]
    with wpstream.open_stream(tokens) as s:
        for rec in s:
            fwd.extend(ids.get(w, UNK) for w in wpstream.decode_tokens(rec))
            fwd.append(EOS)
    return V, torch.from_numpy(chars), torch.from_numpy(lens), np.asarray(fwd, dtype=np.int64)


def rows(stream, B):
    """lm_train.c's layout: row j holds tokens j*R .. j*R + R (R = (n-1)//B), time-major."""
    R = (len(stream) - 1) // B
    idx = np.arange(B)[:, None] * R + np.arange(R + 1)[None, :]
    return torch.from_numpy(stream[idx]).t().contiguous(), R     # [R+1][B]


class CharEncoder(nn.Module):
    def __init__(self, filters, char_dim, highway, out_dim):
        super().__init__()
        self.emb = nn.Embedding(NCHARS, char_dim, padding_idx=PAD)
        self.convs = nn.ModuleList([nn.Conv1d(char_dim, n, w) for w, n in filters])
        F = sum(n for _, n in filters)
        self.highway = nn.ModuleList([nn.Linear(F, 2 * F) for _ in range(highway)])
        self.proj = nn.Linear(F, out_dim)
        self.maxw = max(w for w, _ in filters)

    def init(self):
        """charenc_init with gain 1."""
        cd = self.emb.embedding_dim
        with torch.no_grad():
            nn.init.uniform_(self.emb.weight, -1, 1)
            self.emb.weight[PAD].zero_()
            for c in self.convs:
                fan = c.kernel_size[0] * cd
                nn.init.uniform_(c.weight, -math.sqrt(3 / fan), math.sqrt(3 / fan))
                nn.init.zeros_(c.bias)
            for h in self.highway:
                F = h.in_features
                nn.init.uniform_(h.weight, -math.sqrt(3 / F), math.sqrt(3 / F))
                nn.init.zeros_(h.bias)
                h.bias[F:] = -2.0
            F = self.proj.in_features
            nn.init.uniform_(self.proj.weight, -math.sqrt(3 / F), math.sqrt(3 / F))
            nn.init.zeros_(self.proj.bias)

    def forward(self, chars):
        """chars [U][C] (C cut to the longest word + the widest filter) -> [U][out_dim]."""
        e = self.emb(chars).transpose(1, 2)                   # [U][cd][C]
        x = torch.cat([torch.relu(c(e).amax(dim=2)) for c in self.convs], dim=1)
        for h in self.highway:
            F = x.size(1)
            z = h(x)
            t = torch.sigmoid(z[:, F:])
            x = t * torch.relu(z[:, :F]) + (1 - t) * x
        return self.proj(x)


class CharBiLM(nn.Module):
    def __init__(self, V, filters, char_dim, highway, hidden, proj, layers):
        super().__init__()
        self.enc = CharEncoder(filters, char_dim, highway, proj)
        self.lstm = nn.ModuleList([nn.LSTM(proj, hidden, layers, proj_size=proj)
                                   for _ in range(2)])
        self.softmax = nn.Linear(proj, V)

    def init(self, scale):
        for name, p in self.named_parameters():
            if name.startswith("enc."):
                continue
            if "bias" in name:
                nn.init.zeros_(p)
            else:
                nn.init.uniform_(p, -scale, scale)
        for lstm in self.lstm:
            for l in range(lstm.num_layers):
                getattr(lstm, f"bias_hh_l{l}").requires_grad_(False)   # one bias, as lstm.h
        self.enc.init()


class Sampler:
    """lmsampler_*: log-uniform over [0, V), unique draws, expected counts."""

    def __init__(self, V, seed):
        self.V = V
        self.log_v1 = math.log(V + 1)
        self.rng = np.random.default_rng(seed)
        k = np.arange(V, dtype=np.float64)
        self.logp = np.log(np.log((k + 2) / (k + 1)) / self.log_v1)

    def draw_unique(self, S):
        drawn = np.empty(0, dtype=np.int64)
        while True:
            u = self.rng.random(4 * S)
            k = np.minimum((np.exp(u * self.log_v1) - 1).astype(np.int64), self.V - 1)
            drawn = np.concatenate([drawn, k])
            uniq, first = np.unique(drawn, return_index=True)
            if len(uniq) >= S:
                first = np.sort(first)[:S]
                return drawn[first], int(first[-1]) + 1

    def log_expected(self, ids, tries):
        """log(1 - (1 - p)^tries) for ids (numpy)."""
        p = np.exp(self.logp[ids])
        return np.log(-np.expm1(tries * np.log1p(-p)))


def sampled_loss(model, h, tgt, samples, tries, smp):
    """Summed -log p of the targets among [target, samples] (lmsoftmax_sampled)."""
    W, b = model.softmax.weight, model.softmax.bias
    s = torch.from_numpy(samples)
    lq_s = torch.from_numpy(smp.log_expected(samples, tries)).float()
    lq_t = torch.from_numpy(smp.log_expected(tgt.numpy(), tries)).float()
    true = (h * W[tgt]).sum(1) + b[tgt] - lq_t
    cand = h @ W[s].t() + b[s] - lq_s
    cand = cand.masked_fill(s[None, :] == tgt[:, None], float("-inf"))
    logits = torch.cat([true[:, None], cand], dim=1)
    return nn.functional.cross_entropy(logits, torch.zeros_like(tgt), reduction="sum")


def flops_per_token(a, filters, n_uniq, pos_torch, pos_wp):
    """Training FLOPs per corpus token (both directions), forward x 3 for the backward:
    2 x multiply-adds. pos_*: positions convolved per width, summed over the distinct
    words, per window and direction; n_uniq: distinct words per window and direction."""
    cd, P, H, L, S, n = a.char_dim, a.proj, a.hidden, a.layers, a.sampled, a.batch * a.unroll
    F = sum(f for _, f in filters)
    word = n_uniq * (a.highway * 2 * F * F + F * P)                        # per window
    lstm = n * L * (4 * H * (P + P) + P * H)
    soft = n * (S + 1) * P
    out = []
    for pos in (pos_torch, pos_wp):
        cnn = sum(p * f * w * cd for p, (w, f) in zip(pos, filters))
        out.append(2 * 3 * 2 * (cnn + word + lstm + soft) / n)                # 2 directions
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tokens", help="tok(1) stream of the training text")
    ap.add_argument("-v", "--vocab", required=True, help="vocab(1) stream (elmo-train -v)")
    ap.add_argument("--filters", default="1:32,2:32,3:64,4:128,5:128,6:128")
    ap.add_argument("--char-dim", type=int, default=16)
    ap.add_argument("--max-chars", type=int, default=50)
    ap.add_argument("--highway", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--proj", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--sampled", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--unroll", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.2)
    ap.add_argument("--adagrad-init", type=float, default=1.0)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--init", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3, help="windows before timing (default 3)")
    ap.add_argument("--windows", type=int, default=30, help="timed windows (default 30)")
    ap.add_argument("--log-every", type=int, default=0,
                    help="a loss line every N windows (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.windows < 1 or a.warmup < 0 or a.threads < 1 or a.max_chars < 3:
        ap.error("--windows and --threads must be >= 1, --warmup >= 0, --max-chars >= 3")
    filters = parse_filters(a.filters)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t_load = time.monotonic()
    V, chars, lens, fwd = load_data(a.tokens, a.vocab, a.max_chars)
    bwd = fwd[::-1].copy()
    bwd[bwd == EOS] = BOS
    B, T = a.batch, a.unroll
    data = []
    for s in (fwd, bwd):
        d, R = rows(s, B)
        data.append(d)
    nwin = (R + T - 1) // T
    total = a.warmup + a.windows
    if total > nwin:
        sys.exit(f"elmo_char_torch.py: {total} windows asked, the text has {nwin}")
    if not a.quiet:
        print(f"elmo_char_torch.py: V {V}, {len(fwd)} tokens, {nwin} windows of {T}x{B}, "
              f"{a.threads} threads, torch {torch.__version__}, OPENBLAS_NUM_THREADS "
              f"{os.environ['OPENBLAS_NUM_THREADS']} (data {time.monotonic() - t_load:.1f}s)",
              file=sys.stderr)

    model = CharBiLM(V, filters, a.char_dim, a.highway, a.hidden, a.proj, a.layers)
    model.init(a.init)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adagrad(params, lr=a.lr, initial_accumulator_value=a.adagrad_init)
    smp = Sampler(V, a.seed)
    maxw = model.enc.maxw

    state = [None, None]
    loss_all, ntok_all, loss_int, ntok_int = 0.0, 0, 0.0, 0
    n_uniq, pos_torch, pos_wp = 0, [0] * len(filters), [0] * len(filters)
    t0 = c0 = None
    for w in range(total):
        if w == a.warmup:
            t0, c0 = time.monotonic(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = 0.0
        wl = 0.0
        for d in range(2):
            x = data[d][w * T:w * T + T]
            tgt = data[d][w * T + 1:w * T + 1 + T].reshape(-1)
            tw = x.size(0)
            uniq, inv = torch.unique(x, return_inverse=True)
            ul = lens[uniq]
            C = min(a.max_chars, int(ul.max()) + maxw)
            enc = model.enc(chars[uniq, :C])
            y, st = model.lstm[d](enc[inv], state[d])
            state[d] = detach(st)
            samples, tries = smp.draw_unique(a.sampled)
            ls = sampled_loss(model, y.reshape(-1, a.proj), tgt, samples, tries, smp)
            loss = loss + ls / B
            wl += ls.item()
            if w >= a.warmup:
                n_uniq += len(uniq)
                for i, (fw, _) in enumerate(filters):
                    np_ = a.max_chars - fw + 1
                    pos_torch[i] += len(uniq) * (C - fw + 1)
                    pos_wp[i] += int(torch.clamp(ul, max=np_).sum())
            ntok_int += tw * B
        loss.backward()
        nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()
        loss_all += wl
        loss_int += wl
        if a.log_every and (w + 1) % a.log_every == 0:
            ntok_all += ntok_int
            ppl, cum = math.exp(loss_int / ntok_int), math.exp(loss_all / ntok_all)
            print(f"loss\t{w + 1}\t{ppl:.2f}\t{cum:.2f}", flush=True)
            if not a.quiet:
                print(f"  window {w + 1}: train ppl {ppl:.1f} (since window 1: {cum:.1f})",
                      file=sys.stderr)
            loss_int, ntok_int = 0.0, 0
    ntok_all += ntok_int
    wall = time.monotonic() - t0
    cpu = time.process_time() - c0
    n = a.windows
    ftorch, fwp = flops_per_token(a, filters, n_uniq / (2 * n),
                                  [p / (2 * n) for p in pos_torch],
                                  [p / (2 * n) for p in pos_wp])
    print(f"tokens_per_s\t{n * T * B / wall:.1f}")
    print(f"wall_s_per_window\t{wall / n:.3f}")
    print(f"cpu_s_per_window\t{cpu / n:.3f}")
    print(f"train_ppl\t{math.exp(loss_all / ntok_all):.2f}")
    print(f"windows\t{n}")
    print(f"warmup\t{a.warmup}")
    print(f"vocab\t{V}")
    print(f"flops_per_token_torch\t{ftorch:.0f}")
    print(f"flops_per_token_wordpipe\t{fwp:.0f}")


if __name__ == "__main__":
    main()
