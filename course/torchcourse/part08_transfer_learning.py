"""Part 8 (Transfer learning): the visible checks, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import MODEL_SURGERY, PHOTO_CLASSIFIER, TRAINING
from .modules import build_module, draw_weights, optimizer_settings, small_network
from .pretrained import IMAGENET_CATEGORIES
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _setup(model: dict[str, object], **options: object) -> dict[str, object]:
    """A training setup around a drawn model: Adam and cross-entropy (see the `training` kind)."""
    return {"model": model, "optimizer": optimizer_settings("adam"), "loss": "cross_entropy", **options}


def _freeze_inputs(g: torch.Generator) -> Inputs:
    """A DenseNet-style network, trainable throughout or with its head frozen, drawn first (the
    two draws of the check get one of each: tests/test_part08_transfer_learning.py)."""
    frozen = ("nothing", "head")[int(torch.randint(0, 2, (1,), generator=g))]
    return small_network(g, "densenet", frozen=frozen), "classifier"


def _features_inputs(g: torch.Generator) -> Inputs:
    """A backbone (a ResNet-style network without its head) in training mode, and 7 photos in
    batches of 3."""
    loader = {"inputs": randn(g, 7, 3, 6, 6), "targets": torch.randint(0, 2, (7,), generator=g), "batch_size": 3}
    return _setup(small_network(g, "resnet", head="identity")), "<model>", loader, "<device>"


def _head_inputs(g: torch.Generator) -> Inputs:
    """A linear head with junk in its gradients, 10 feature vectors of 6 numbers, 3 classes."""
    layers = [["linear", 6, 3]]
    head = {"layers": layers, "weights": draw_weights(build_module({"layers": layers}), g)}
    return (_setup(head, **{"junk gradients": True}), "<model>", randn(g, 10, 6),
            torch.randint(0, 3, (10,), generator=g), 3, 0.05)


def _finetune_inputs(g: torch.Generator) -> Inputs:
    """A ResNet-style network in training mode, its backbone frozen, its head a dropout and a
    linear layer; junk in every gradient."""
    spec = small_network(g, "resnet", head="dropout", frozen="backbone")
    classes = spec["layers"][-1][1][1][2]
    setup = _setup(spec, **{"junk gradients": True, "modes by child": True})
    return setup, "<model>", "fc", randn(g, 4, 3, 6, 6), torch.randint(0, classes, (4,), generator=g), "<loss>", "<optimizer>"


def _topk_inputs(g: torch.Generator) -> Inputs:
    """An EfficientNet-style network in training mode, one image, its classes named, k = 3."""
    spec = small_network(g, "efficientnet")
    classes = spec["layers"][-1][2]
    names = [IMAGENET_CATEGORIES[index] for index in torch.randperm(1000, generator=g)[:classes].tolist()]
    return _setup(spec), "<model>", randn(g, 3, 6, 6), names, min(3, classes)


def _photos(g: torch.Generator) -> Inputs:
    """Four made-up photos of different sizes; any class will do (the check looks at the contract)."""
    sizes = [(40, 60), (50, 50), (64, 30), (33, 47)]
    return [torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8) for h, w in sizes], 2, 0.0


CHECKS: dict[str, VisibleCheck] = {
    "freeze_backbone": VisibleCheck(_freeze_inputs, 0, kind=MODEL_SURGERY),
    "replace_head": VisibleCheck(lambda g: (small_network(g, "efficientnet", frozen="backbone"), "_fc", 3), 0,
                                 kind=MODEL_SURGERY),
    "head_param_groups": VisibleCheck(lambda g: (small_network(g, "resnet", frozen="stem"), "fc", 0.001, 10.0),
                                      1e-6, kind=MODEL_SURGERY),
    "extract_features": VisibleCheck(_features_inputs, 1e-4, kind=TRAINING, atol=1e-5),
    "train_head": VisibleCheck(_head_inputs, 1e-4, kind=TRAINING, atol=1e-5),
    "finetune_step": VisibleCheck(_finetune_inputs, 1e-4, kind=TRAINING, atol=1e-5),
    "predict_topk": VisibleCheck(_topk_inputs, 1e-4, kind=TRAINING, atol=1e-6),
    # Only the contract: a list of photos in, one class index per photo out (pass mark 0). The
    # grade comes from the held-out photos, which the notebook never sees.
    "pets_capstone": VisibleCheck(_photos, 0, kind=PHOTO_CLASSIFIER),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "freeze_backbone": [
        "Look back at the section on freezing: a parameter that does not require gradients is never "
        "changed by an optimiser.",
        "Two moves: switch gradients off for the whole model, then back on for the head alone, which "
        "you reach with getattr and the head's name. `requires_grad_` works on a whole module at once. "
        "Known mistakes: leaving a head that came frozen as it was, freezing the new head too, a "
        "`return` inside the loop, calling eval() instead.",
        "Afterwards, `[n for n, p in model.named_parameters() if p.requires_grad]` should list exactly "
        "the head's weight and bias. Return the model you were given.",
    ],
    "replace_head": [
        "Look back at the section on where each family keeps its head: the head is an nn.Linear, and "
        "it knows how many features it takes.",
        "Read `in_features` from the old head, build a new nn.Linear with it and num_classes, and put it "
        "where the old one was with setattr. Known mistakes: a hard-coded 512, the old head's "
        "out_features as the new in_features, changing `out_features` on the old layer (its weight "
        "keeps its shape), always writing `model.fc`.",
        "A freshly built layer lives on the CPU: give it the old head's device (`device=` when you "
        "build it, or `.to(...)`). Its weight has shape (num_classes, in_features).",
    ],
    "head_param_groups": [
        "Look back at the section on parameter groups: an optimiser takes a list of dicts, each with "
        "its parameters and its own settings.",
        "Two groups, in this order: the trainable parameters outside the head at base_lr, then the "
        "head's parameters at the larger rate. Known mistakes: `model.parameters()` in the first group "
        "(the head's then sit in both), frozen parameters in the first group, the two rates swapped.",
        "Tensors compare element by element, so `p in some_list` does not test identity: compare with "
        "`is`, or collect `id(p)` of the head's parameters first.",
    ],
    "extract_features": [
        "Look back at the section on extracting features once: the backbone runs over every photo a "
        "single time, in evaluation mode and without gradients.",
        "Remember the backbone's mode, switch to eval, go through the loader under torch.no_grad() "
        "collecting each batch's outputs and labels, give the mode back, and concatenate. Known "
        "mistakes: no eval() (batch norm then updates its statistics), not giving the mode back, no "
        "no_grad(), keeping only the last batch.",
        "The backbone's output for a batch of B images is (B, D); after torch.cat the features are "
        "(N, D) and the labels (N,). Both go on `device`: the loader's labels start on the CPU.",
    ],
    "train_head": [
        "Look back at the section on training a head on features: every epoch is one step on all the "
        "features at once.",
        "One Adam optimiser for the head's parameters, made before the loop. Each epoch: zero the "
        "gradients, compute the loss on all the features, backward, step, and keep the loss as a "
        "float. Known mistakes: no zero_grad (the grader leaves junk in the gradients), SGD instead of "
        "Adam, a new optimiser every epoch.",
        "With epochs = 3 the answer is a list of three floats, each the loss before that epoch's step; "
        "the head is changed in place.",
    ],
    "finetune_step": [
        "Look back at the section on what freezing does not freeze: batch norm still updates its "
        "running statistics in training mode, even with every parameter frozen.",
        "Put the whole model in evaluation mode, then its head alone back in training mode, and take "
        "one ordinary training step. Known mistakes: the whole model in training mode (the frozen "
        "batch norm drifts), the whole model in evaluation mode (the head's dropout is off), no "
        "zero_grad.",
        "The loss is a 0-d tensor; return it as a Python float. Afterwards every backbone tensor, "
        "running_mean and running_var included, must be exactly as it was.",
    ],
    "predict_topk": [
        "Look back at the section on what an ImageNet model predicts: scores become probabilities "
        "with a softmax over the classes.",
        "The model takes a batch, so give it a batch of one image and take row 0 of the result. Run "
        "it in eval mode without gradients and give the mode back; torch.topk gives the k largest "
        "values and their indices. Known mistakes: raw scores instead of probabilities, a softmax over "
        "the batch dimension, no eval(), not giving the mode back, no no_grad().",
        "The answer is a list of k pairs (name, probability), the most probable first, with Python "
        "floats: `.tolist()` turns a tensor into them.",
    ],
    "pets_capstone": [
        "Look back at Sections 9 and 10: the features of the training photos are already extracted, and "
        "a linear head trained on them is most of the work.",
        "Train a new head on the training features with your train_head, put it on a copy of the "
        "backbone, and write classify: preprocess each photo with the network's transforms, stack "
        "them, move them to the device, and take the argmax of the scores in eval mode without "
        "gradients. Check it on the validation photos first.",
        "classify gets a list of PIL photos of any size and returns a 1-d tensor of class indices, "
        "one per photo: 0 for cat and 1 for dog, the order of CATS_DOGS_CLASSES.",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "freeze_backbone": [
        KnownMistake("Switch the head's gradients on as well: this model came with its head frozen, "
                     "and only the parameters you unfreeze can learn."),
        KnownMistake("Keep the head trainable: with every parameter frozen, training changes nothing "
                     "at all."),
        KnownMistake("Finish the loop before you return: a `return` inside it stops after the first "
                     "parameter."),
        KnownMistake("Freezing is `requires_grad_(False)`, not `eval()`: evaluation mode changes how "
                     "dropout and batch norm behave, and every parameter still gets gradients."),
    ],
    "replace_head": [
        KnownMistake("Read the number of input features from the old head (`in_features`): it is "
                     "512 for a ResNet-18 only, and different in every other network."),
        KnownMistake("The new head takes the old head's INPUT features (`in_features`), the size of "
                     "what the backbone gives it, not its `out_features`."),
        KnownMistake("Changing `out_features` renames the layer only: its weight keeps its shape. "
                     "Build a new nn.Linear and put it in the old one's place."),
        KnownMistake("Use `head_name` to find the head: not every family calls it `fc` (DenseNet's is "
                     "`classifier`, this EfficientNet's `_fc`). Write it with `setattr(model, "
                     "head_name, ...)`."),
    ],
    "head_param_groups": [
        KnownMistake("Leave the head's parameters out of the first group: `model.parameters()` "
                     "includes them, so they would sit in both groups (an optimiser refuses that)."),
        KnownMistake("Leave frozen parameters out: an optimiser has nothing to do with them, and "
                     "they would be trained the moment someone unfroze them."),
        KnownMistake("The head gets the larger learning rate, base_lr * head_mult; the backbone "
                     "keeps base_lr."),
    ],
    "extract_features": [
        KnownMistake("Call `backbone.eval()` first: in training mode batch norm normalises with each "
                     "batch's statistics and updates its running ones, and dropout stays on."),
        KnownMistake("Give the backbone back in the mode it came in, which `backbone.training` "
                     "tells: this one came in training mode and was left in evaluation mode."),
        KnownMistake("Extract inside `torch.no_grad()`: without it every batch records a graph that "
                     "is never used, which costs memory and time."),
        KnownMistake("Keep every batch's features, and concatenate them once at the end: these are "
                     "the last batch's only."),
    ],
    "train_head": [
        KnownMistake("Call `optimizer.zero_grad()` before `backward()`: gradients add up, so the old "
                     "ones (here junk the grader left) are added to the new ones."),
        KnownMistake("Train with `torch.optim.Adam`, as the exercise says: SGD with the same "
                     "learning rate takes other steps."),
        KnownMistake("Make the optimiser once, before the loop: a new Adam every epoch forgets its "
                     "running averages, so every step is a first step."),
    ],
    "finetune_step": [
        KnownMistake("Keep the frozen backbone in evaluation mode: in training mode its batch norm "
                     "layers update their running statistics, so the 'frozen' backbone changes."),
        KnownMistake("Switch the head back to training mode after `model.eval()`: in evaluation "
                     "mode its dropout is off while it trains."),
        KnownMistake("Call `optimizer.zero_grad()` before `backward()`: gradients add up, and the "
                     "junk the grader left in every gradient was used for this step."),
    ],
    "predict_topk": [
        KnownMistake("Turn the scores into probabilities with a softmax over the classes: raw scores "
                     "(logits) are not probabilities."),
        KnownMistake("Take the softmax over the classes (dim=1): over dim=0 of a batch of one image, "
                     "every probability is 1."),
        KnownMistake("Call `model.eval()` first: in training mode dropout changes the prediction "
                     "each time."),
        KnownMistake("Give the model back in the mode it came in, which `model.training` tells: "
                     "this one came in training mode and was left in evaluation mode."),
        KnownMistake("Predict inside `torch.no_grad()`: without it the forward pass records a graph "
                     "that is never used."),
    ],
}
