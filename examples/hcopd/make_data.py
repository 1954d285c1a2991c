#!/usr/bin/env python3
"""Writes HCOPD-like CSV data (columns diagnosis, gender, age, smoking) for the
example when the Exasens data set is not at hand. Standard library only.

    python3 make_data.py --rows 239 --seed 1 > hcopd.csv
    python3 make_data.py --rows 20 --inputs > hcopd-inputs.csv   # no label column

Patients with the disease (diagnosis 1) are older and smoke more, as in the
real data, so a small network can learn the split. Features are raw values;
`kafkaml send --standardize` z-scores them on the way out.
"""
import argparse
import random
import sys


def row(rng):
    diagnosis = rng.random() < 0.5
    gender = 1 if rng.random() < (0.6 if diagnosis else 0.45) else 0
    age = round(min(90, max(18, rng.gauss(70 if diagnosis else 45, 9))))
    # smoking: 1 never, 2 ex-smoker, 3 current smoker
    weights = [0.15, 0.5, 0.35] if diagnosis else [0.6, 0.25, 0.15]
    smoking = rng.choices([1, 2, 3], weights)[0]
    return int(diagnosis), gender, age, smoking


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=239)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inputs", action="store_true", help="features only, for inference")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    out.write("gender,age,smoking\n" if args.inputs else "diagnosis,gender,age,smoking\n")
    for _ in range(args.rows):
        diagnosis, gender, age, smoking = row(rng)
        if args.inputs:
            out.write(f"{gender},{age},{smoking}\n")
        else:
            out.write(f"{diagnosis},{gender},{age},{smoking}\n")


if __name__ == "__main__":
    main()
