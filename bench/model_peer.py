#!/usr/bin/python3
"""PyTorch peer of bench/model_bench.cpp: the same workload in PyTorch, one
thread, on the same shapes: `cnn` (a small MNIST convnet: Conv2d 32 3x3
relu, max-pool 2, Conv2d 64 3x3 relu, max-pool 2, flatten, dropout 0.5,
Linear 10, softmax; batch 128) or `lstm` (LSTM 64 units over 50 steps of 8
features, Linear 1; mse; batch 32). Trains `steps` steps with Adam, then
predicts `predict` samples in batches of 256. Prints one line:
`train_seconds=<s> predict_seconds=<s>`."""
import sys
import time

import torch

workload, steps, predict = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(1)
torch.manual_seed(0)


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.dropout = torch.nn.Dropout(0.5)
        self.out = torch.nn.Linear(1600, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return torch.softmax(self.out(self.dropout(torch.flatten(x, 1))), -1)


class Lstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(8, 64, batch_first=True)
        self.out = torch.nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.out(h[-1])


if workload == "cnn":
    model, batch = Cnn(), 128
    x = torch.rand(1024, 1, 28, 28)
    y = torch.randint(0, 10, (1024,))
    loss_of = lambda out, target: torch.nn.functional.nll_loss(torch.log(out.clamp(1e-7, 1 - 1e-7)), target)
else:
    model, batch = Lstm(), 32
    x = torch.rand(1024, 50, 8)
    y = torch.rand(1024, 1)
    loss_of = torch.nn.functional.mse_loss
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
model.train()
start = time.perf_counter()
for step in range(steps):
    at = (step * batch) % (x.shape[0] - batch)
    loss = loss_of(model(x[at:at + batch]), y[at:at + batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
train_seconds = time.perf_counter() - start
model.eval()
start = time.perf_counter()
with torch.no_grad():
    done = 0
    while done < predict:
        n = min(256, predict - done)
        model(x[:n])
        done += n
print("train_seconds=%.6f predict_seconds=%.6f" % (train_seconds, time.perf_counter() - start))
