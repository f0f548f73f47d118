#!/usr/bin/python3
"""scikit-learn on exactly the split shopstream trained on (the bench writes it): the counterparts of its
logistic, svm and mlp models with ../shared/reference/ref_tabular.py's settings, so that quality and fit time
compare on identical rows. Usage: ref_same_split.py TRAIN.csv TEST.csv LABEL [MODEL,...]"""
import sys, time, json
import numpy as np, pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score, average_precision_score, accuracy_score
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.neural_network import MLPClassifier
import warnings
warnings.filterwarnings('ignore')

train_path, test_path, label = sys.argv[1], sys.argv[2], sys.argv[3]
wanted = sys.argv[4].split(',') if len(sys.argv) > 4 else ['logistic', 'svm', 'mlp']
train, test = pd.read_csv(train_path), pd.read_csv(test_path)
both = pd.concat([train, test], ignore_index=True)
y = both[label].astype(str).str.upper().isin(['1', 'TRUE', '1.0']).astype(int).values
X = pd.get_dummies(both.drop(columns=[label]), drop_first=False).astype(float).values
n = len(train)
Xtr, Xte, ytr, yte = X[:n], X[n:], y[:n], y[n:]
sc = StandardScaler().fit(Xtr); Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
models = {
  'logistic': LogisticRegression(max_iter=1000),
  'svm': LinearSVC(dual=False),
  'mlp': MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=50, random_state=42),
}
out = {}
for name in wanted:
  m = models[name]
  # As the bench times shopstream: for the linear models, the median of five fits after a first one.
  times = []
  for _ in range(1 if name == 'mlp' else 6):
    t = time.perf_counter(); m.fit(Xtr, ytr); times.append(time.perf_counter() - t)
  fit_s = times[0] if len(times) == 1 else float(np.median(times[1:]))
  s = m.predict_proba(Xte)[:, 1] if hasattr(m, 'predict_proba') else m.decision_function(Xte)
  out[name] = dict(auc=roc_auc_score(yte, s), prAuc=average_precision_score(yte, s),
                   accuracy=accuracy_score(yte, m.predict(Xte)), fitSeconds=fit_s, firstFitSeconds=times[0])
print(json.dumps(out))
