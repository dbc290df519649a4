"""PyTorch eager peer of transformer.py: the same DLwP chapter 11 Transformer encoder
classifier and RMSprop train step, timed in this process. Run by transformer.py with the
interpreter of ~/.venv-peers (torch, no graphflow); prints one JSON line.

    ~/.venv-peers/bin/python examples/benchmarks/transformer_torch_peer.py --steps 5
"""
import argparse
import json
import time

import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, embed_dim, dense_dim, num_heads):
        super().__init__()
        self.heads, self.key_dim = num_heads, embed_dim  # Keras: key_dim=embed_dim per head
        inner = num_heads * embed_dim
        self.q, self.k, self.v = (nn.Linear(embed_dim, inner) for _ in range(3))
        self.o = nn.Linear(inner, embed_dim)
        self.proj = nn.Sequential(nn.Linear(embed_dim, dense_dim), nn.ReLU(),
                                  nn.Linear(dense_dim, embed_dim))
        self.norm1 = nn.LayerNorm(embed_dim, eps=1e-3)
        self.norm2 = nn.LayerNorm(embed_dim, eps=1e-3)

    def forward(self, x):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, self.heads, self.key_dim).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = torch.softmax(q @ k.transpose(-1, -2) / self.key_dim ** 0.5, dim=-1)
        context = (scores @ v).transpose(1, 2).reshape(b, t, -1)
        h = self.norm1(x + self.o(context))
        return self.norm2(h + self.proj(h))


class Classifier(nn.Module):
    def __init__(self, vocab, embed_dim, dense_dim, num_heads):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed_dim)
        self.encoder = Encoder(embed_dim, dense_dim, num_heads)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(embed_dim, 1)

    def forward(self, tokens):
        h = self.encoder(self.embed(tokens)).max(dim=1).values
        return self.out(self.drop(h))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vocab", type=int, default=20000)
    p.add_argument("--seq", type=int, default=600)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--embed", type=int, default=256)
    p.add_argument("--dense", type=int, default=32)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Classifier(a.vocab, a.embed, a.dense, a.heads)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    x = torch.randint(1, a.vocab, (a.batch, a.seq))
    y = torch.randint(0, 2, (a.batch, 1)).float()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return float(loss)

    for _ in range(3):  # warm-up
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"peer": "pytorch eager", "torch": torch.__version__, "step_s": times}))


if __name__ == "__main__":
    main()
