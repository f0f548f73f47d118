#!/usr/bin/python3
"""XGBoost and logistic regression on exactly the time-ordered split shopstream's risk model trained on (the bench
writes it; empty cells are missing values): XGBoost with ../shared/reference/ref_tabular.py's settings reads them
natively, logistic regression gets the training medians and standard scaling.
Usage: ref_risk.py TRAIN.csv TEST.csv LABEL"""
import sys, json
import pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score, average_precision_score
from sklearn.linear_model import LogisticRegression
import xgboost as xgb
import warnings
warnings.filterwarnings('ignore')

train, test = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
label = sys.argv[3]
ytr, yte = train.pop(label).astype(int).values, test.pop(label).astype(int).values
out = {}
m = xgb.XGBClassifier(n_estimators=200, max_depth=6, n_jobs=2).fit(train.values, ytr)
s = m.predict_proba(test.values)[:, 1]
out['xgboost'] = dict(auc=round(roc_auc_score(yte, s), 4), pr_auc=round(average_precision_score(yte, s), 4))
med = train.median().fillna(0)  # a column with no value in training (no data for it) is all zeros
sc = StandardScaler().fit(train.fillna(med).values)
lr = LogisticRegression(max_iter=2000).fit(sc.transform(train.fillna(med).values), ytr)
s = lr.predict_proba(sc.transform(test.fillna(med).values))[:, 1]
out['logistic'] = dict(auc=round(roc_auc_score(yte, s), 4), pr_auc=round(average_precision_score(yte, s), 4))
print(json.dumps(out))
