"""The hidden reference package: a correct answer and hidden test inputs for every graded exercise.

It is imported only by the trusted grading process (see `course_grader`), never by a learner's
kernel: grading compares what the learner's code returned with these answers outside the kernel.
"""

from __future__ import annotations

from . import (part01_tensors, part02_autograd, part03_neural_networks, part04_training,
               part05_inference_validation, part06_saving_loading, part07_image_data,
               part08_transfer_learning)
from .exercise import Case, Exercise

PARTS: dict[str, list[Exercise]] = {
    "01-tensors": part01_tensors.EXERCISES,
    "02-autograd": part02_autograd.EXERCISES,
    "03-neural-networks": part03_neural_networks.EXERCISES,
    "04-training": part04_training.EXERCISES,
    "05-inference-validation": part05_inference_validation.EXERCISES,
    "06-saving-loading": part06_saving_loading.EXERCISES,
    "07-image-data": part07_image_data.EXERCISES,
    "08-transfer-learning": part08_transfer_learning.EXERCISES,
}

EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise for exercises in PARTS.values() for exercise in exercises
}

__all__ = ["Case", "Exercise", "EXERCISES", "PARTS"]
