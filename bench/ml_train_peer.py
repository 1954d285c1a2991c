#!/usr/bin/python3
"""PyTorch peer of bench/ml_train_bench.cpp: the paper's HCOPD training run
(Dropout(0.2) on 3 inputs, Dense(4, sigmoid), Dense(2, softmax), Adam lr 1e-4,
sparse categorical cross-entropy on probabilities with Keras' clipped log,
batch 10, 1000 epochs x 22 steps, reshuffled every pass), one thread.
Prints one line: `seconds=<s> steps=<n>`."""
import sys
import time

import torch

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
steps_per_epoch, batch, rows = 22, 10, 215
torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.rand(rows, 3)
y = (x.sum(1) > 1.5).long()
model = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(3, 4), torch.nn.Sigmoid(),
                            torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, eps=1e-7)
model.train()
start = time.perf_counter()
steps = 0
cursor, order = rows, None
for epoch in range(epochs):
    for _ in range(steps_per_epoch):
        if cursor >= rows:
            order, cursor = torch.randperm(rows), 0
        index = order[cursor:cursor + batch]
        cursor += batch
        probabilities = model(x[index])
        loss = torch.nn.functional.nll_loss(torch.log(probabilities.clamp(1e-7, 1 - 1e-7)), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
print("seconds=%.6f steps=%d" % (time.perf_counter() - start, steps))
