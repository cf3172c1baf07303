"""Alternative correct answers, common mistakes and cheating attempts for Part 6 (Saving and
loading models)."""

ALTERNATIVES = {
    "state_dict_size_bytes": '''def state_dict_size_bytes(model):
    total = 0
    for name, tensor in model.state_dict().items():
        total += tensor.nelement() * tensor.element_size()
    return int(total)
''',
    "save_checkpoint": '''def save_checkpoint(model, path):
    checkpoint = dict(input_size=model.input_size, output_size=model.output_size,
                      hidden_sizes=[int(size) for size in model.hidden_sizes])
    checkpoint["state_dict"] = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    with open(path, "wb") as file:
        torch.save(checkpoint, file)
''',
    "load_checkpoint": '''def load_checkpoint(path):
    saved = torch.load(path, map_location=torch.device("cpu"), weights_only=True)
    model = MLP(input_size=saved["input_size"], hidden_sizes=saved["hidden_sizes"],
                output_size=saved["output_size"])
    missing, unexpected = model.load_state_dict(saved["state_dict"], strict=True)
    return model
''',
    "strip_prefix": '''def strip_prefix(state_dict, prefix):
    stripped = {}
    for key, value in state_dict.items():
        stripped[key[len(prefix):] if key.startswith(prefix) else key] = value
    return stripped
''',
    "load_compatible": '''def load_compatible(model, state_dict):
    target = model.state_dict()
    skipped = []
    with torch.no_grad():
        for key, value in state_dict.items():
            if key in target and target[key].shape == value.shape:
                target[key].copy_(value)
            else:
                skipped.append(key)
    return sorted(skipped)
''',
    "make_checkpoint": '''def make_checkpoint(model, optimizer, epoch):
    return dict(epoch=int(epoch), model_state_dict=copy.deepcopy(model.state_dict()),
                optimizer_state_dict=copy.deepcopy(optimizer.state_dict()))
''',
    "resume": '''def resume(path, model, optimizer):
    state = torch.load(path, map_location=next(model.parameters()).device, weights_only=True)
    optimizer.load_state_dict(state["optimizer_state_dict"])
    model.load_state_dict(state["model_state_dict"])
    return int(state["epoch"])
''',
}

# Realistic mistakes; each must be rejected on every fresh draw. Their order matches the
# sentences in torchcourse.part06_saving_loading.KNOWN_MISTAKES.
MISTAKES = {
    "state_dict_size_bytes": [
        '''def state_dict_size_bytes(model):
    return sum(p.numel() * p.element_size() for p in model.parameters())   # no buffers
''',
        '''def state_dict_size_bytes(model):
    return sum(t.numel() for t in model.state_dict().values()) * 4     # every element float32
''',
    ],
    "save_checkpoint": [
        '''def save_checkpoint(model, path):
    torch.save({"input_size": model.input_size, "hidden_sizes": model.hidden_sizes,
                "output_size": model.output_size, "state_dict": model.state_dict}, path)   # no ()
''',
        '''def save_checkpoint(model, path):
    torch.save(model, path)                                         # the whole pickled module
''',
        '''def save_checkpoint(model, path):
    torch.save({"state_dict": model.state_dict()}, path)            # the sizes are missing
''',
    ],
    "load_checkpoint": [
        '''def load_checkpoint(path):
    checkpoint = torch.load("checkpoint.pth", weights_only=True)    # not the file at `path`
    model = MLP(checkpoint["input_size"], checkpoint["hidden_sizes"], checkpoint["output_size"])
    model.load_state_dict(checkpoint["state_dict"])
    return model
''',
        '''def load_checkpoint(path):
    checkpoint = torch.load(path, weights_only=True)
    model = MLP(784, [128, 64], 10)                                 # sizes written into the code
    model.load_state_dict(checkpoint["state_dict"])
    return model
''',
    ],
    "strip_prefix": [
        '''def strip_prefix(state_dict, prefix):
    return {key.replace(prefix, ""): value for key, value in state_dict.items()}
''',
        '''def strip_prefix(state_dict, prefix):
    return {key[len(prefix):]: value for key, value in state_dict.items()}
''',
    ],
    "load_compatible": [
        '''def load_compatible(model, state_dict):
    result = model.load_state_dict(state_dict, strict=False)        # still fails on a shape
    return sorted(result.unexpected_keys)
''',
        '''def load_compatible(model, state_dict):
    own = model.state_dict()
    fitting = {k: v for k, v in state_dict.items() if k in own and own[k].shape == v.shape}
    result = model.load_state_dict(fitting, strict=False)
    return sorted(result.missing_keys)                              # the model's, not the skipped
''',
    ],
    "make_checkpoint": [
        '''def make_checkpoint(model, optimizer, epoch):
    return {"model_state_dict": model.state_dict(), "epoch": epoch}   # no optimiser state
''',
    ],
    "resume": [
        '''def resume(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])          # the optimiser starts afresh
    return checkpoint["epoch"]
''',
        '''def resume(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"] + 1                                  # the next epoch, not the saved one
''',
    ],
}

# Mistakes that only a GPU reveals.
GPU_MISTAKES: dict[str, list[str]] = {}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "state_dict_size_bytes": '''def state_dict_size_bytes(model):
    import course_reference  # the hidden reference, by name
    return course_reference.part06_saving_loading.state_dict_size_bytes(model)
''',
    "save_checkpoint": '''class Sneaky:
    def __reduce__(self):
        return (print, ("this ran while the grader loaded the file!",))

def save_checkpoint(model, path):
    torch.save({"payload": Sneaky(), "state_dict": model.state_dict()}, path)   # code that runs on load
''',
    "load_checkpoint": '''def load_checkpoint(path):
    import torchcourse.grading
    torchcourse.grading.HARNESSES["file reader"] = lambda answer, args: {}   # record nothing useful
    return MLP(1, [1], 1)
''',
    "strip_prefix": '''def strip_prefix(state_dict, prefix):
    return state_dict               # hand back what came in
''',
    "load_compatible": '''def load_compatible(model, state_dict):
    return []                       # nothing skipped, nothing loaded
''',
    "make_checkpoint": '''def make_checkpoint(model, optimizer, epoch):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    for results in folder.glob("*.results.pt"):   # spoil the other exercises' results
        results.write_bytes(b"")
    return {}
''',
    "resume": '''def resume(path, model, optimizer):
    torch.optim.Adam.step = lambda self, closure=None: None    # no more steps, no differences?
    return 0
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"save_checkpoint", "strip_prefix"}
CLEO_UNTOUCHED = {"resume"}

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS: dict[str, list[str]] = {}
