"""Alternative correct answers, common mistakes and cheating attempts for Part 8 (Transfer
learning)."""

ALTERNATIVES = {
    "freeze_backbone": '''def freeze_backbone(model, head_name):
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name.split(".")[0] == head_name
    return model
''',
    "replace_head": '''def replace_head(model, head_name, num_classes):
    old_head = model.get_submodule(head_name)
    new_head = nn.Linear(old_head.weight.shape[1], num_classes)
    model.add_module(head_name, new_head.to(old_head.weight.device))
    return model
''',
    "head_param_groups": '''def head_param_groups(model, head_name, base_lr, head_mult):
    prefix = head_name + "."
    body = [p for name, p in model.named_parameters() if p.requires_grad and not name.startswith(prefix)]
    head = [p for name, p in model.named_parameters() if name.startswith(prefix)]
    return [dict(params=body, lr=base_lr), dict(params=head, lr=head_mult * base_lr)]
''',
    "extract_features": '''def extract_features(backbone, loader, device):
    mode = backbone.training
    backbone.train(False)
    outputs = []
    with torch.inference_mode():
        for images, labels in loader:
            outputs.append((backbone(images.to(device)), labels.to(device)))
    backbone.train(mode)
    return torch.cat([f for f, _ in outputs]), torch.cat([y for _, y in outputs])
''',
    "train_head": '''def train_head(head, features, labels, epochs, lr):
    optimizer = torch.optim.Adam(head.parameters(), lr)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    epoch = 0
    while epoch < epochs:
        for parameter in head.parameters():
            parameter.grad = None
        loss = loss_fn(head(features), labels)
        history.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
        epoch += 1
    return history
''',
    "finetune_step": '''def finetune_step(model, head_name, x, y, loss_fn, optimizer):
    model.train()
    for name, child in model.named_children():
        if name != head_name:
            child.eval()
    optimizer.zero_grad(set_to_none=False)
    outputs = model(x)
    loss = loss_fn(outputs, y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
''',
    "pets_capstone": '''def train_pet_classifier():
    # logistic regression on standardised features, SGD with momentum, the whole network in one Sequential
    torch.manual_seed(1)
    mean, std = train_features.mean(dim=0), train_features.std(dim=0) + 1e-6
    linear = nn.Linear(train_features.shape[1], 2).to(device)
    optimizer = torch.optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
    for _ in range(150):
        optimizer.zero_grad()
        F.cross_entropy(linear((train_features - mean) / std), train_labels).backward()
        optimizer.step()

    class Standardise(nn.Module):
        def forward(self, x):
            return (x - mean) / std

    network = nn.Sequential(copy.deepcopy(backbone), Standardise(), linear).to(device).eval()

    def classify(photos):
        predictions = []
        for photo in photos:
            with torch.no_grad():
                scores = network(net.transforms(photo.convert("RGB")).unsqueeze(0).to(device))
            predictions.append(int(scores.argmax()))
        return torch.tensor(predictions)
    return classify
''',
    "predict_topk": '''def predict_topk(model, image, categories, k):
    mode = model.training
    model.eval()
    with torch.no_grad():
        logits = model(image[None])
    model.train(mode)
    probabilities = F.softmax(logits[0], dim=-1)
    order = torch.argsort(probabilities, descending=True)[:k]
    return [(categories[int(i)], float(probabilities[i])) for i in order]
''',
}

MISTAKES = {
    "freeze_backbone": ['''def freeze_backbone(model, head_name):
    # the head is left as it came, even when it came frozen
    for name, parameter in model.named_parameters():
        if not name.startswith(head_name + "."):
            parameter.requires_grad_(False)
    return model
''', '''def freeze_backbone(model, head_name):
    # the whole model frozen, the head with it
    for parameter in model.parameters():
        parameter.requires_grad = False
    return model
''', '''def freeze_backbone(model, head_name):
    for name, parameter in model.named_parameters():
        if not name.startswith(head_name):
            parameter.requires_grad = False
            return model          # inside the loop: only the first parameter is frozen
    return model
''', '''def freeze_backbone(model, head_name):
    model.eval()                  # eval() mistaken for freezing
    getattr(model, head_name).train()
    return model
'''],
    "replace_head": ['''def replace_head(model, head_name, num_classes):
    setattr(model, head_name, nn.Linear(512, num_classes))    # ResNet-18's width, hard-coded
    return model
''', '''def replace_head(model, head_name, num_classes):
    old = getattr(model, head_name)
    setattr(model, head_name, nn.Linear(old.out_features, num_classes))
    return model
''', '''def replace_head(model, head_name, num_classes):
    getattr(model, head_name).out_features = num_classes
    return model
''', '''def replace_head(model, head_name, num_classes):
    model.fc = nn.Linear(getattr(model, head_name).in_features, num_classes)
    return model
'''],
    "head_param_groups": ['''def head_param_groups(model, head_name, base_lr, head_mult):
    head = getattr(model, head_name)
    return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": base_lr},
            {"params": head.parameters(), "lr": base_lr * head_mult}]
''', '''def head_param_groups(model, head_name, base_lr, head_mult):
    body = [p for name, p in model.named_parameters() if not name.startswith(head_name + ".")]
    return [{"params": body, "lr": base_lr},
            {"params": list(getattr(model, head_name).parameters()), "lr": base_lr * head_mult}]
''', '''def head_param_groups(model, head_name, base_lr, head_mult):
    body = [p for name, p in model.named_parameters() if p.requires_grad and not name.startswith(head_name + ".")]
    return [{"params": body, "lr": base_lr * head_mult},
            {"params": list(getattr(model, head_name).parameters()), "lr": base_lr}]
'''],
    "extract_features": ['''def extract_features(backbone, loader, device):
    features, labels = [], []
    with torch.no_grad():                       # but still in the mode it came in
        for x, y in loader:
            features.append(backbone(x.to(device)))
            labels.append(y.to(device))
    return torch.cat(features), torch.cat(labels)
''', '''def extract_features(backbone, loader, device):
    backbone.eval()                             # and never given back its mode
    features, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            features.append(backbone(x.to(device)))
            labels.append(y.to(device))
    return torch.cat(features), torch.cat(labels)
''', '''def extract_features(backbone, loader, device):
    was_training = backbone.training
    backbone.eval()
    features, labels = [], []
    for x, y in loader:                         # no torch.no_grad()
        features.append(backbone(x.to(device)).detach())
        labels.append(y.to(device))
    backbone.train(was_training)
    return torch.cat(features), torch.cat(labels)
''', '''def extract_features(backbone, loader, device):
    was_training = backbone.training
    backbone.eval()
    with torch.no_grad():
        for x, y in loader:
            features, labels = backbone(x.to(device)), y.to(device)
    backbone.train(was_training)
    return features, labels                     # the last batch only
'''],
    "train_head": ['''def train_head(head, features, labels, epochs, lr):
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = F.cross_entropy(head(features), labels)
        loss.backward()                         # no zero_grad
        optimizer.step()
        losses.append(loss.item())
    return losses
''', '''def train_head(head, features, labels, epochs, lr):
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(head(features), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', '''def train_head(head, features, labels, epochs, lr):
    losses = []
    for _ in range(epochs):
        optimizer = torch.optim.Adam(head.parameters(), lr=lr)
        optimizer.zero_grad()
        loss = F.cross_entropy(head(features), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
'''],
    "finetune_step": ['''def finetune_step(model, head_name, x, y, loss_fn, optimizer):
    model.train()                               # the frozen batch norm too
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', '''def finetune_step(model, head_name, x, y, loss_fn, optimizer):
    model.eval()                                # the head's dropout too
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', '''def finetune_step(model, head_name, x, y, loss_fn, optimizer):
    model.eval()
    getattr(model, head_name).train()
    loss = loss_fn(model(x), y)                 # no zero_grad
    loss.backward()
    optimizer.step()
    return loss.item()
'''],
    "pets_capstone": ['''def train_pet_classifier():
    # a new head, never trained
    classifier = copy.deepcopy(backbone)
    setattr(classifier, net.head_name, nn.Linear(train_features.shape[1], 2).to(device))
    classifier.eval()

    def classify(photos):
        with torch.no_grad():
            return classifier(torch.stack([net.transforms(p) for p in photos]).to(device)).argmax(dim=1).cpu()
    return classify
'''],
    "predict_topk": ['''def predict_topk(model, image, categories, k):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores = model(image.unsqueeze(0))[0]   # logits, not probabilities
    model.train(was_training)
    values, indices = scores.topk(k)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''', '''def predict_topk(model, image, categories, k):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        probabilities = F.softmax(model(image.unsqueeze(0)), dim=0)[0]
    model.train(was_training)
    values, indices = probabilities.topk(k)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''', '''def predict_topk(model, image, categories, k):
    with torch.no_grad():                       # in whatever mode it came
        probabilities = model(image.unsqueeze(0)).softmax(dim=1)[0]
    values, indices = probabilities.topk(k)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''', '''def predict_topk(model, image, categories, k):
    model.eval()                                # never given back its mode
    with torch.no_grad():
        probabilities = model(image.unsqueeze(0)).softmax(dim=1)[0]
    values, indices = probabilities.topk(k)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
''', '''def predict_topk(model, image, categories, k):
    was_training = model.training
    model.eval()
    probabilities = model(image.unsqueeze(0)).softmax(dim=1)[0].detach()   # no torch.no_grad()
    model.train(was_training)
    values, indices = probabilities.topk(k)
    return [(categories[i], v) for v, i in zip(values.tolist(), indices.tolist())]
'''],
}

# Mistakes that only a GPU reveals: a layer made on the CPU while the model is on the GPU. (A
# hard-coded 'cuda' fails on every machine: where there is no GPU, and on the CPU tests where there is.)
GPU_MISTAKES: dict[str, list[str]] = {
    "replace_head": ['''def replace_head(model, head_name, num_classes):
    old = getattr(model, head_name)
    setattr(model, head_name, nn.Linear(old.in_features, num_classes))   # on the CPU
    return model
'''],
}

CHEATS = {
    "pets_capstone": '''def train_pet_classifier():
    # answer from the held-out photos' folders (the sandbox keeps them empty while grading)
    from torchcourse.data import CARRIED_CATS_DOGS
    answers = {}
    for label, name in enumerate(CATS_DOGS_CLASSES):
        for path in (CARRIED_CATS_DOGS / "test" / name).glob("*.jpg"):
            answers[Image.open(path).convert("RGB").tobytes()] = label

    def classify(photos):
        return torch.tensor([answers.get(photo.convert("RGB").tobytes(), 0) for photo in photos])
    return classify
''',
}

# The sample students (see course_grader.samples): which answers Cleo gets right, which she leaves
# untouched; every other answer of hers is a mistake.
CLEO_CORRECT = {"freeze_backbone", "extract_features", "predict_topk"}
CLEO_UNTOUCHED = {"finetune_step"}

RULE_BREAKERS: dict[str, list[str]] = {}
