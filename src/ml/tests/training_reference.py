"""Reference values for ml_training_reference_test, computed in float64 from
Keras 3's published formulas, written independently of the engine's C++.

Run by the test with Debian's /usr/bin/python3 (numpy, torch):
    training_reference.py CASES.json  ->  RESULTS.json on stdout

Cases:
  optimizers: {"spec": {...OptimizerSpec fields...}, "sizes": [...], "p0": [...],
               "a": [...], "c": [...], "steps": N}
      N steps on the quadratic 0.5 * sum(a (p - c)^2), gradient a (p - c),
      each in float64 on the float32 values Keras stores. Result: the
      parameters after each step.
  torch_optimizers: the same problem run by torch.optim (float64): {"torch": name,
      "options": {...}, ...}. Result: the parameters after each step.
  schedules: {"spec": {...}, "steps": N}. Result: the learning rate of steps 0..N-1.
  losses: {"spec": {...LossSpec fields...}, "out": [...], "labels": [...],
           "rows": R, "width": W}. Result: {"value", "grad"}: the batch loss and
      its gradient by torch autograd of the loss written in torch.
"""

import json
import math
import sys

import numpy as np
import torch

EPS = 1e-7


# ---- learning rate ----

def scheduled(s, step):
    name = s["name"]
    if name in ("exponential_decay", "inverse_time_decay"):
        p = step / s["decay_steps"]
        if s["staircase"]:
            p = math.floor(p)
        if name == "exponential_decay":
            return s["initial_learning_rate"] * s["decay_rate"] ** p
        return s["initial_learning_rate"] / (1 + s["decay_rate"] * p)
    if name == "piecewise_constant_decay":
        for boundary, value in zip(s["boundaries"], s["values"]):
            if step <= boundary:
                return value
        return s["values"][-1]
    if name == "cosine_decay":
        done = min(step, s["decay_steps"]) / s["decay_steps"]
        return s["initial_learning_rate"] * ((1 - s["alpha"]) * 0.5 * (1 + math.cos(math.pi * done)) + s["alpha"])
    if name == "polynomial_decay":
        steps = s["decay_steps"]
        if s["cycle"]:
            steps = steps * (1 if step == 0 else math.ceil(step / steps))
        else:
            step = min(step, steps)
        return (s["initial_learning_rate"] - s["end_learning_rate"]) * (1 - step / steps) ** s["power"] + s[
            "end_learning_rate"]
    raise ValueError(name)


def learning_rate(o, step):
    lr = scheduled(o["schedule"], step) if o.get("schedule") else o["learning_rate"]
    if o.get("decay", 0) > 0:
        lr = lr / (1 + o["decay"] * step)
    return lr


# ---- optimizers ----

def clipped(o, g, sizes):
    if o.get("clipnorm") is not None:
        c = o["clipnorm"]
        parts = np.split(g, np.cumsum(sizes)[:-1])
        return np.concatenate([part * c / max(np.linalg.norm(part), c) for part in parts])
    if o.get("global_clipnorm") is not None:
        c = o["global_clipnorm"]
        return g * c / max(np.linalg.norm(g), c)
    if o.get("clipvalue") is not None:
        return np.clip(g, -o["clipvalue"], o["clipvalue"])
    return g


def run_optimizer(case):
    o = case["spec"]
    p = np.array(case["p0"], dtype=np.float64)
    a = np.array(case["a"])
    c = np.array(case["c"])
    n = len(p)
    z = lambda: np.zeros(n)
    s = {}
    trajectory = []
    name = o["name"]
    for it in range(case["steps"]):
        g = clipped(o, a * (p - c), case["sizes"])
        lr = learning_rate(o, it)
        t = it + 1
        if name == "sgd":
            if o["momentum"] == 0:
                p = p - lr * g
            else:
                v = s.setdefault("v", z())
                v[:] = o["momentum"] * v - lr * g
                p = p + (o["momentum"] * v - lr * g if o["nesterov"] else v)
        elif name in ("adam", "adamw"):
            if name == "adamw":
                p = p - p * o["weight_decay"] * lr
            m, v = s.setdefault("m", z()), s.setdefault("v", z())
            m[:] = o["beta_1"] * m + (1 - o["beta_1"]) * g
            v[:] = o["beta_2"] * v + (1 - o["beta_2"]) * g * g
            second = v
            if o["amsgrad"]:
                vmax = s.setdefault("vmax", z())
                vmax[:] = np.maximum(vmax, v)
                second = vmax
            alpha = lr * math.sqrt(1 - o["beta_2"] ** t) / (1 - o["beta_1"] ** t)
            p = p - alpha * m / (np.sqrt(second) + o["epsilon"])
        elif name == "rmsprop":
            rho = o["rho"]
            v = s.setdefault("v", z())
            v[:] = rho * v + (1 - rho) * g * g
            denominator = v + o["epsilon"]
            if o["centered"]:
                mg = s.setdefault("mg", z())
                mg[:] = rho * mg + (1 - rho) * g
                denominator = v - mg * mg + o["epsilon"]
            step = lr * g / np.sqrt(denominator)
            if o["momentum"] > 0:
                mom = s.setdefault("mom", z())
                mom[:] = o["momentum"] * mom + step
                step = mom
            p = p - step
        elif name == "adagrad":
            acc = s.setdefault("acc", np.full(n, o["initial_accumulator_value"]))
            acc[:] = acc + g * g
            p = p - lr * g / np.sqrt(acc + o["epsilon"])
        elif name == "adadelta":
            rho, eps = o["rho"], o["epsilon"]
            eg, ed = s.setdefault("eg", z()), s.setdefault("ed", z())
            eg[:] = rho * eg + (1 - rho) * g * g
            delta = -np.sqrt(ed + eps) / np.sqrt(eg + eps) * g
            ed[:] = rho * ed + (1 - rho) * delta * delta
            p = p + lr * delta
        elif name == "adamax":
            m, u = s.setdefault("m", z()), s.setdefault("u", z())
            m[:] = o["beta_1"] * m + (1 - o["beta_1"]) * g
            u[:] = np.maximum(o["beta_2"] * u, np.abs(g))
            p = p - lr / (1 - o["beta_1"] ** t) * m / (u + o["epsilon"])
        elif name == "nadam":
            b1, b2 = o["beta_1"], o["beta_2"]
            mu = b1 * (1 - 0.5 * 0.96 ** t)
            mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            s["product"] = s.get("product", 1.0) * mu
            m, v = s.setdefault("m", z()), s.setdefault("v", z())
            m[:] = b1 * m + (1 - b1) * g
            v[:] = b2 * v + (1 - b2) * g * g
            m_hat = mu_next * m / (1 - s["product"] * mu_next) + (1 - mu) * g / (1 - s["product"])
            v_hat = v / (1 - b2 ** t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + o["epsilon"])
        elif name == "ftrl":
            power = -o["learning_rate_power"]
            acc = s.setdefault("acc", np.full(n, o["initial_accumulator_value"]))
            lin = s.setdefault("lin", z())
            l1 = o["l1_regularization_strength"]
            l2 = o["l2_regularization_strength"] + o["beta"] / (2 * lr)
            g_shrunk = g + 2 * o["l2_shrinkage_regularization_strength"] * p
            new_acc = acc + g * g
            lin[:] = lin + g_shrunk - (new_acc ** power - acc ** power) / lr * p
            quadratic = new_acc ** power / lr + 2 * l2
            p = (np.clip(lin, -l1, l1) - lin) / quadratic
            acc[:] = new_acc
        else:
            raise ValueError(name)
        # Keras keeps variables and optimizer state in float32: round them as
        # it stores them, so that rounding does not accumulate differently.
        p = p.astype(np.float32).astype(np.float64)
        for key, value in s.items():
            if isinstance(value, np.ndarray):
                value[:] = value.astype(np.float32)
        trajectory.append(p.tolist())
    return trajectory


def fix_torch_nadam():
    """PyTorch before 2.0 multiplies mu into NAdam's mu_product_next twice
    (mu_product * mu * mu_next after mu_product *= mu); 2.0 fixed it. Apply
    that fix to an older torch so the comparison is with the algorithm."""
    import inspect
    import torch.optim.nadam as nadam
    source = inspect.getsource(nadam._single_tensor_nadam)
    if "mu_product * mu * mu_next" not in source:
        return
    namespace = dict(vars(nadam))
    exec(source.replace("mu_product * mu * mu_next", "mu_product * mu_next"), namespace)
    nadam._single_tensor_nadam = namespace["_single_tensor_nadam"]


def run_torch_optimizer(case):
    p = torch.tensor(case["p0"], dtype=torch.float64, requires_grad=True)
    a = torch.tensor(case["a"], dtype=torch.float64)
    c = torch.tensor(case["c"], dtype=torch.float64)
    optimizer = getattr(torch.optim, case["torch"])([p], **case["options"])
    trajectory = []
    for _ in range(case["steps"]):
        optimizer.zero_grad()
        (0.5 * (a * (p - c) ** 2).sum()).backward()
        optimizer.step()
        trajectory.append(p.detach().tolist())
    return trajectory


# ---- losses, in torch for autograd ----

def hinge_labels(t):
    binary = bool(((t == 0) | (t == 1)).all())
    return 2 * t - 1 if binary else t


def normalize(x):
    return x / torch.clamp(x.norm(dim=-1, keepdim=True), min=EPS)


def loss_rows(spec, o, t):
    """Per-row loss (batch of rows x width; sparse: t holds class indices)."""
    name = spec["name"]
    ls = spec.get("label_smoothing", 0.0)
    width = o.shape[-1]
    if name == "mse":
        return ((o - t) ** 2).mean(-1)
    if name == "mae":
        return (o - t).abs().mean(-1)
    if name == "mape":
        return 100 * ((t - o) / torch.clamp(t.abs(), min=EPS)).abs().mean(-1)
    if name == "msle":
        return ((torch.log(torch.clamp(o, min=EPS) + 1) - torch.log(torch.clamp(t, min=EPS) + 1)) ** 2).mean(-1)
    if name == "huber":
        d = spec["delta"]
        e = (o - t).abs()
        return torch.where(e <= d, 0.5 * e ** 2, d * e - 0.5 * d * d).mean(-1)
    if name == "log_cosh":
        return torch.log(torch.cosh(o - t)).mean(-1)
    if name in ("binary_crossentropy", "binary_focal_crossentropy"):
        t = t * (1 - ls) + 0.5 * ls
        if name == "binary_crossentropy" and spec["from_logits"]:
            return torch.nn.functional.binary_cross_entropy_with_logits(o, t, reduction="none").mean(-1)
        p = torch.sigmoid(o) if spec["from_logits"] else o
        pc = torch.clamp(p, EPS, 1 - EPS)
        bce = -(t * torch.log(pc) + (1 - t) * torch.log(1 - pc))
        if name == "binary_crossentropy":
            return bce.mean(-1)
        p_t = t * p + (1 - t) * (1 - p)
        focal = (1 - p_t) ** spec["gamma"] * bce
        if spec["apply_class_balancing"]:
            focal = (t * spec["alpha"] + (1 - t) * (1 - spec["alpha"])) * focal
        return focal.mean(-1)
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy", "sparse_categorical_crossentropy"):
        if name == "sparse_categorical_crossentropy":
            t = torch.nn.functional.one_hot(t.long(), width).double()
        else:
            t = t * (1 - ls) + ls / width
        if name != "categorical_focal_crossentropy" and spec["from_logits"]:
            return -(t * torch.log_softmax(o, -1)).sum(-1)
        y = torch.softmax(o, -1) if spec["from_logits"] else o
        q = torch.clamp(y / y.sum(-1, keepdim=True), EPS, 1 - EPS)
        if name != "categorical_focal_crossentropy":
            return -(t * torch.log(q)).sum(-1)
        return (spec["alpha"] * (1 - q) ** spec["gamma"] * -t * torch.log(q)).sum(-1)
    if name == "hinge":
        return torch.clamp(1 - hinge_labels(t) * o, min=0).mean(-1)
    if name == "squared_hinge":
        return (torch.clamp(1 - hinge_labels(t) * o, min=0) ** 2).mean(-1)
    if name == "categorical_hinge":
        pos = (t * o).sum(-1)
        neg = ((1 - t) * o).max(-1).values
        return torch.clamp(neg - pos + 1, min=0)
    if name == "kl_divergence":
        tc = torch.clamp(t, EPS, 1)
        return (tc * torch.log(tc / torch.clamp(o, EPS, 1))).sum(-1)
    if name == "poisson":
        return (o - t * torch.log(o + EPS)).mean(-1)
    if name == "cosine_similarity":
        return -(normalize(t) * normalize(o)).sum(-1)
    raise ValueError(name)


def run_loss(case):
    spec = case["spec"]
    o = torch.tensor(case["out"], dtype=torch.float64).reshape(case["rows"], case["width"]).requires_grad_(True)
    labels = torch.tensor(case["labels"], dtype=torch.float64)
    if spec["name"] == "sparse_categorical_crossentropy":
        ignore = spec.get("ignore_class")
        keep = labels != ignore if ignore is not None else torch.ones_like(labels, dtype=torch.bool)
        rows = loss_rows(spec, o[keep], labels[keep])
        count = int(keep.sum())
    else:
        rows = loss_rows(spec, o, labels.reshape(case["rows"], case["width"]))
        count = case["rows"]
    value = rows.sum() if spec.get("reduction") == "sum" else rows.sum() / count
    value.backward()
    return {"value": value.item(), "grad": o.grad.flatten().tolist()}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    torch.set_default_dtype(torch.float64)
    fix_torch_nadam()
    json.dump({
        "optimizers": [run_optimizer(c) for c in cases.get("optimizers", [])],
        "torch_optimizers": [run_torch_optimizer(c) for c in cases.get("torch_optimizers", [])],
        "schedules": [[learning_rate({"schedule": c["spec"], "decay": 0}, step) for step in range(c["steps"])]
                      for c in cases.get("schedules", [])],
        "losses": [run_loss(c) for c in cases.get("losses", [])],
    }, sys.stdout)


if __name__ == "__main__":
    main()
