"""Convolutions and box losses: exact facts about parameter counts, receptive fields,
multiply-adds and linearity of convolutions (CV-1 … CV-4), and about the IoU, GIoU and
DIoU losses and the seed's own code for them (CV-5), checked on torch's own modules over
a stated search (harness/train/search.py; the searches: :mod:`.searches`,
:mod:`.pointwise`, :mod:`.boxes`)."""

from __future__ import annotations

from harness.judge.claims import Experiment

from .cv1 import CV1
from .cv2 import CV2
from .cv3 import CV3A, CV3B
from .cv4 import CV4A, CV4B, CV4C
from .cv5 import CV5A, CV5B, CV5C

EXPERIMENT = Experiment(
    name="convolutions",
    title="Convolutions and box losses: parameter counts, receptive fields, layer "
          "identities and the IoU losses",
    original="No experiment in the original work: these are exact facts, decided by "
             "exact checks over a stated search on torch's own modules.",
    claims=[CV1, CV2, CV3A, CV3B, CV4A, CV4B, CV4C, CV5A, CV5B, CV5C])
