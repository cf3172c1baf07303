"""Answers used to prove the graded tests honest, and to build the demo's sample submissions.

For every graded exercise: a correct answer written differently from the solution (the tests must
accept it) and realistic learner mistakes (the tests must reject each). Each answer is the full
source of the exercise's answer cell.
"""

from . import (part01_tensors, part02_autograd, part03_neural_networks, part04_training,
               part05_inference_validation, part06_saving_loading, part07_image_data,
               part08_transfer_learning)

PARTS = {"01-tensors": part01_tensors, "02-autograd": part02_autograd,
         "03-neural-networks": part03_neural_networks, "04-training": part04_training,
         "05-inference-validation": part05_inference_validation,
         "06-saving-loading": part06_saving_loading, "07-image-data": part07_image_data,
         "08-transfer-learning": part08_transfer_learning}
