"""Property-based checks (hypothesis) of the formulas the exact-fact searches rely on:
where a search samples a stated space, hypothesis searches it again with shrinking, so a
counterexample would come back minimal."""

from __future__ import annotations

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from tasks.convolutions.searches import separable, separable_formula

channels = st.integers(1, 4096)


@settings(max_examples=200, deadline=None)
@given(c_in=channels, c_out=channels, k=st.sampled_from((1, 3, 5, 7, 9)), bias=st.booleans())
def test_torch_counts_any_separable_convolution_as_the_formula(c_in, c_out, k, bias):
    assert separable(c_in, c_out, k, bias) == separable_formula(c_in, c_out, k, bias)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 4), c=st.integers(1, 8), h=st.integers(1, 6), w=st.integers(1, 6),
       seed=st.integers(0, 2**31 - 1))
def test_groupnorm_is_layernorm_with_one_group_and_instancenorm_with_c(n, c, h, w, seed):
    assume(h * w > 1)  # InstanceNorm2d refuses one value per channel (GroupNorm gives 0)
    x = torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64)
    one = nn.GroupNorm(1, c, affine=False).double()(x)
    torch.testing.assert_close(one, nn.LayerNorm((c, h, w), elementwise_affine=False
                                                 ).double()(x), rtol=0, atol=1e-10)
    each = nn.GroupNorm(c, c, affine=False).double()(x)
    torch.testing.assert_close(each, nn.InstanceNorm2d(c).double()(x), rtol=0, atol=1e-10)
