#!/usr/bin/env bash
# Streams the HCOPD dataset the way the Kafka-ML paper's example does (AVRO,
# features z-scored, label boolean, 10% validation) for training deployment
# $2, then shows how to send the same rows as inference input.
#   examples/send_hcopd.sh [BOOTSTRAP] [DEPLOYMENT_ID] [DATASET_DIR]
set -euo pipefail
bootstrap=${1:-localhost:9092}
deployment=${2:-1}
data=${3:-../shared/datasets/hcopd}
kafkaml=${KAFKAML_BIN:-kafkaml}

"$kafkaml" send --bootstrap-servers "$bootstrap" --topic hcopd --deployment-id "$deployment" \
  --format avro --data-scheme "$data/data_scheme.avsc" --label-scheme "$data/label_scheme.avsc" \
  --standardize --validation-rate 0.1 --description "HCOPD (Exasens)" "$data/HCOPD_Dataset.csv"

# Inference input: values only, no control message; the label column is left out.
"$kafkaml" send --bootstrap-servers "$bootstrap" --topic hcopd-in --inference --format raw \
  --label-column Diagnosis --standardize "$data/HCOPD_Dataset.csv"
