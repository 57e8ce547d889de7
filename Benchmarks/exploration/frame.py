"""The relative frame of the exploration scripts (what `RelativeFrame` does in Swift).

`frame(S)`: a function reading rows as ten scale-free distances to the shots `S` (span residual,
nearest / 3 nearest / mean distance to the shots, L2 / L1 / cosine distance to their mean, max and
RMS z-score, norm ratio), each divided by the shots' median leave-one-out value and logged;
IDX=0,1 (environment) keeps only some measures. `shotfeat(S)`: the shots read leave-one-out.
`knn(S, Q)`: distance to the nearest shot; `span(S, Q)`: distance to the ridge-regularised affine
span of the shots (plus extra directions `U`), what `metric` builds on.
"""
import os

import numpy as np

IDX = [int(i) for i in os.environ.get("IDX", "0,1,2,3,4,5,6,7,8,9").split(",")]


def raw(S, Q, lam=0.1):
    mu = S.mean(0); B = S - mu; G = B @ B.T
    M = np.linalg.solve(G + lam * np.trace(G) / len(B) * np.eye(len(B)), B)
    R = (Q - mu) - ((Q - mu) @ M.T) @ B
    D = np.sqrt(((Q[:, None, :] - S[None]) ** 2).sum(-1))
    Ds = np.sort(D, 1)
    sd = S.std(0) + 1e-3 * S.std(0).mean()
    Z = np.abs(Q - mu) / sd
    cos = 1 - (Q @ mu) / (np.linalg.norm(Q, axis=1) * np.linalg.norm(mu) + 1e-12)
    return np.stack([np.linalg.norm(R, axis=1), Ds[:, 0], Ds[:, :3].mean(1), D.mean(1),
                     np.linalg.norm(Q - mu, axis=1), np.abs(Q - mu).sum(1), Z.max(1), np.sqrt((Z**2).mean(1)),
                     cos, np.linalg.norm(Q, axis=1) / np.linalg.norm(S, axis=1).mean()], 1)

def frame(S):
    loo = np.vstack([raw(np.delete(S, i, 0), S[[i]]) for i in range(len(S))])
    norm = np.median(loo, 0) + 1e-12
    return lambda Q: np.log(raw(S, Q) / norm + 1e-6)[:, IDX]

def shotfeat(S):  # shots read leave-one-out
    return np.vstack([frame(np.delete(S, i, 0))(S[[i]]) for i in range(len(S))])


def knn(S, Q):
    d = (Q ** 2).sum(1)[:, None] + (S ** 2).sum(1)[None, :] - 2 * Q @ S.T
    return np.sqrt(np.maximum(d, 0)).min(1)


def span(S, Q, lam=0.1, U=None):
    mu = S.mean(0)
    B = np.vstack([S - mu] + ([U] if U is not None else []))
    G = B @ B.T
    R = Q - mu
    coef = np.linalg.solve(G + lam * np.trace(G) / len(B) * np.eye(len(B)) + 1e-12 * np.eye(len(B)), B @ R.T)
    return np.sqrt(((R - coef.T @ B) ** 2).sum(1))
