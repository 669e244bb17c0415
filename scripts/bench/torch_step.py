"""PyTorch CPU baseline of the gate step that scripts/bench-ml.ts times (a benchmark, not a test).

    /usr/bin/python3 scripts/bench/torch_step.py [--steps N] [--threads T] [--json]

Same model and batch as lib/ml/step.ts: the default MoE (gate 784-32-4, four frozen experts 784-64-10),
batch 64, the gate's loss -mean log sum_e softmax(gate(x))_e softmax(expert_e(x))[y] plus
0.5 KL(mean gate distribution || uniform), SGD with momentum 0.9 (PyTorch's convention, which lib/ml
follows), learning rate 0.05. Inputs are uniform random in [0, 1) (the data does not change the cost).
The figure is the median of 3 timed runs of N chained steps after one untimed warm-up run.
Exits 3 with a message on stderr when torch cannot be imported (Debian: apt install python3-torch).
"""

import argparse
import json
import math
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("torch_step: python3-torch is not installed", file=sys.stderr)
    sys.exit(3)

INPUT, CLASSES, EXPERTS, GATE_HIDDEN, EXPERT_HIDDEN, BATCH = 784, 10, 4, 32, 64, 64


def mlp(sizes, gen):
    """relu(x W1 + b1) W2 + b2, Glorot-uniform weights (as lib/ml/moe.ts), zero biases."""
    inp, hidden, out = sizes
    layers = []
    for a, b in ((inp, hidden), (hidden, out)):
        limit = math.sqrt(6 / (a + b))
        layers.append(((torch.rand(a, b, generator=gen) * 2 - 1) * limit).requires_grad_())
        layers.append(torch.zeros(b, requires_grad=True))
    return layers


def logits(x, p):
    w1, b1, w2, b2 = p
    return torch.relu(x @ w1 + b1) @ w2 + b2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (default: torch's own)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(2024)
    gate = mlp((INPUT, GATE_HIDDEN, EXPERTS), gen)
    experts = [[t.detach() for t in mlp((INPUT, EXPERT_HIDDEN, CLASSES), gen)] for _ in range(EXPERTS)]
    batches = [
        (torch.rand(BATCH, INPUT, generator=gen), torch.randint(0, CLASSES, (BATCH,), generator=gen))
        for _ in range(a.steps)
    ]
    opt = torch.optim.SGD(gate, lr=0.05, momentum=0.9)

    def step(x, y):
        with torch.no_grad():  # the experts are frozen: their log-likelihoods are constants
            ll = torch.stack([torch.log_softmax(logits(x, e), 1).gather(1, y[:, None])[:, 0] for e in experts], 1)
        log_gate = torch.log_softmax(logits(x, gate), 1)
        nll = -torch.logsumexp(log_gate + ll, 1).mean()
        mean = log_gate.exp().mean(0)
        loss = nll + 0.5 * ((mean * torch.log(mean + 1e-12)).sum() + math.log(EXPERTS))
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()

    def timed(n):
        t0 = time.perf_counter()
        for t in range(n):
            step(*batches[t % len(batches)])
        return n / (time.perf_counter() - t0)

    timed(min(5, a.steps))
    rate = statistics.median([timed(a.steps) for _ in range(3)])
    result = {
        "backend": "pytorch-cpu",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "stepsPerSecond": round(rate, 1),
    }
    if a.json:
        print(json.dumps(result))
    else:
        print(f"PyTorch {result['version']} CPU, {result['threads']} thread(s): {result['stepsPerSecond']} gate steps/s (batch 64, median of 3 runs of {a.steps})")


if __name__ == "__main__":
    main()
