#!/usr/bin/python3
"""XGBoost on exactly the rows shopstream's gradient-boosted trees trained and were tested on (the bench writes them,
already through the pipeline: numbers as they reach the model), with the same settings on one thread.
Usage: ref_trees.py TRAIN.csv TEST.csv LABEL TASK TREES DEPTH ETA MIN_CHILD_WEIGHT [GROUP]
TASK: binary (binary:logistic), regression (reg:squarederror) or rank (rank:ndcg, GROUP the query column).
Prints one JSON line: quality on the test rows, fit seconds (median of 3), batch prediction seconds (median of 5)."""
import sys, time, json
import numpy as np, pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score, average_precision_score, mean_squared_error

train_path, test_path, label, task = sys.argv[1:5]
trees, depth, eta, min_child_weight = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
group = sys.argv[9] if len(sys.argv) > 9 else None
train, test = pd.read_csv(train_path), pd.read_csv(test_path)
features = [c for c in train.columns if c not in (label, group)]
Xtr, ytr = train[features].to_numpy(dtype=np.float64), train[label].to_numpy(dtype=np.float64)
Xte, yte = test[features].to_numpy(dtype=np.float64), test[label].to_numpy(dtype=np.float64)
params = dict(tree_method='hist', max_depth=depth, eta=eta, min_child_weight=min_child_weight, max_bin=256,
              nthread=1, seed=0,
              objective={'binary': 'binary:logistic', 'regression': 'reg:squarederror', 'rank': 'rank:ndcg'}[task])
if task == 'rank':
    params['eval_metric'] = 'ndcg@10'


def dmatrix(X, y, frame):
    d = xgb.DMatrix(X, label=y, nthread=1)
    if group:
        # Rows of a query are contiguous in the files the bench writes; XGBoost wants the size of each group.
        ids = frame[group].to_numpy()
        sizes = [len(list(g)) for _, g in __import__('itertools').groupby(ids)]
        d.set_group(sizes)
    return d


times = []
for _ in range(3):
    t = time.perf_counter()
    dtrain = dmatrix(Xtr, ytr, train)
    booster = xgb.train(params, dtrain, num_boost_round=trees)
    times.append(time.perf_counter() - t)
predict_times = []
for _ in range(5):
    t = time.perf_counter()
    scores = booster.inplace_predict(Xte)
    predict_times.append(time.perf_counter() - t)
out = dict(fitSeconds=float(np.median(times)), predictSeconds=float(np.median(predict_times)), rows=len(Xte))
if task == 'binary':
    out.update(auc=roc_auc_score(yte, scores), prAuc=average_precision_score(yte, scores))
elif task == 'regression':
    out.update(rmse=float(np.sqrt(mean_squared_error(yte, scores))))
else:
    out.update(scores=[float(s) for s in scores])
print(json.dumps(out))
