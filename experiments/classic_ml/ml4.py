"""ML-4: an SVM's hyperplane depends only on the points near the boundary (its support
vectors), logistic regression's on every point."""

from __future__ import annotations

from harness.judge.claims import EXACT, Claim, Settings
from harness.judge.families import Bound, Check
from harness.judge.measures import Factor, Searched
from tasks.classic_ml.searches import CHANGED, EXACT_TOL, ML4_EDITS, SVM_TOL, UNCHANGED

REPLICATES = 24  # chunks of the search: 24 resamples per dataset, 4 refits each
SVM_SV, SVM_FAR, SVM_WRONG, LR_SV, LR_FAR, _ = (f"{m}: {e}" for m in ("SVM", "LR")
                                               for e in ML4_EDITS)

ML4 = Claim(
    "ML-4", "001 (SVM 6, 第二)",
    "第二,支持向量机只考虑局部的边界线附近的点,而逻辑回归考虑全局(远离的点对边界线的确定也起作用)。",
    "A linear SVM's hyperplane (w, b) depends only on the points near the boundary, its "
    "support vectors: refitting on them alone, or moving the points beyond the margin "
    "(correctly classified, margin y·f(x) > 1, not support vectors) twice as far from the "
    f"hyperplane along w, changes (w, b) by less than {UNCHANGED:g} (relative), while the "
    f"same edits change logistic regression's (w, b) by more than {CHANGED:g}: far points "
    "count for LR. Misclassified points beyond the margin on the wrong side (y·f(x) < −1) "
    "are far from the boundary too: moved twice as far out, they must leave the SVM's "
    f"(w, b) within {UNCHANGED:g} as well.",
    measure=Searched(factor=Factor("member", (SVM_SV, SVM_FAR, SVM_WRONG, LR_SV, LR_FAR),
                                   "member"),
                     label="relative change of the hyperplane (w, b) after the edit, "
                           "‖Δ(w, b)‖ / ‖(w, b)‖",
                     grid="ml4", task="tasks.classic_ml.searches.ml4_edits"),
    rule=Check((Bound(SVM_SV, "below", UNCHANGED, refute_at=CHANGED),
                Bound(SVM_FAR, "below", UNCHANGED, refute_at=CHANGED),
                Bound(SVM_WRONG, "below", UNCHANGED, refute_at=CHANGED),
                Bound(LR_SV, "above", CHANGED, refute_at=UNCHANGED),
                Bound(LR_FAR, "above", CHANGED, refute_at=UNCHANGED)), headline=SVM_FAR),
    quantifier="primary",
    settings=Settings("breast_cancer", ("make_classification",)),
    notes=(f"SVC(kernel='linear', C = 1, tol = {SVM_TOL:g}) and LogisticRegression (C = 1, "
           f"Newton's method to tolerance {EXACT_TOL:g}), both in float64 on standardized "
           "features (StandardScaler on the training split of a stratified 80/20 split, a "
           "fresh split per replicate; make_classification: 500 samples, 20 features, 5 "
           "informative, a fresh draw per replicate). The far points are moved outward "
           "only, so none crosses the margin and the support set cannot change; the "
           "search table gives each chunk's support vectors and points moved.",),
    revision="Changed after the runs of master seeds 0, 1, 17, 29 and 43, on review "
             "(2026-12-07): a third edit is judged for the SVM, the misclassified points "
             "beyond the margin on the wrong side moved twice as far out (search "
             "ml4_edits, new runs). The earlier rule gave supported (the SVM's (w, b) "
             "changed by at most 3.5e-8, seed 0). Why: the quote says the SVM considers "
             "only points near the boundary, and with C = 1 on non-separable data such "
             "points are support vectors far from it (the review found one at y·f = −3.2 "
             "whose move changed (w, b) by 23%).",
    min_effect=CHANGED, null_value=UNCHANGED, category=EXACT, replicates=REPLICATES)
