"""What every loss-fact search shares: the tolerance of float64 identities and the column
that says which claim a row speaks to."""

from __future__ import annotations

# float64 identities and bounds (values scaled to at most ~1, or errors taken relative to
# max(1, |value|)): rounding is ε ≈ 2.2e-16 times the terms summed (≤ 2,500 here), ≤ 1e-12
# with room; the design notes' tolerance for LS-6, used for LS-8 and LS-9 alike
TOL = 1e-12
# LS-4's "an autograd error is not a refutation" (design notes): a member that counts
# non-zero gradient entries scores an autograd error as this, between its support bound
# (0.5: no entry) and its refutation bound (0.9: one entry), so the error is inconclusive
AUTOGRAD_ERROR = 0.7
PART = "part"  # the row column that says which claim a row speaks to
