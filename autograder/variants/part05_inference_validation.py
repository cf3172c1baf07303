"""Alternative correct answers, common mistakes and cheating attempts for Part 5 (Inference and
validation)."""

ALTERNATIVES = {
    "train_val_split": '''def train_val_split(n, val_size, seed):
    generator = torch.Generator()
    generator.manual_seed(seed)
    train_part, val_part = torch.utils.data.random_split(range(n), [n - val_size, val_size],
                                                         generator=generator)
    return torch.tensor(train_part.indices), torch.tensor(val_part.indices)
''',
    "topk_probabilities": '''def topk_probabilities(logits, k):
    probabilities = F.softmax(logits, dim=-1)
    ordered = torch.argsort(probabilities, dim=1, descending=True)[:, :k]
    return probabilities.gather(1, ordered), ordered
''',
    "topk_accuracy": '''def topk_accuracy(logits, labels, k):
    _, top_class = logits.topk(k, dim=1)
    equals = top_class == labels.view(-1, 1)
    return equals.sum().item() / len(labels)
''',
    "validate": '''def validate(model, loader, loss_fn, device):
    mode = model.training
    model.eval()
    losses, hits, seen = [], [], 0
    with torch.inference_mode():
        for batch in loader:
            images, targets = (t.to(device) for t in batch)
            output = model(images)
            losses.append(loss_fn(output, targets) * targets.numel())
            hits.append((output.argmax(-1) == targets).sum())
            seen += targets.numel()
    model.train(mode)
    return (torch.stack(losses).sum() / seen).item(), (torch.stack(hits).sum() / seen).item()
''',
    "early_stopping_epoch": '''def early_stopping_epoch(val_losses, patience):
    best = float("inf")
    waited = 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses) - 1
''',
    "fit_with_early_stopping": '''def fit_with_early_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs,
                            patience, device):
    history, best_loss, best_epoch, best_state = [], math.inf, 0, None
    for epoch in range(max_epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                total += loss_fn(model(x), y).item() * len(y)
                count += len(y)
        model.train()
        history.append(total / count)
        if history[-1] < best_loss:
            best_loss, best_epoch = history[-1], epoch
            best_state = {key: value.detach().clone() for key, value in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    return history, best_epoch
''',
    "confusion_matrix": '''def confusion_matrix(predictions, labels, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64, device=labels.device)
    matrix.index_put_((labels, predictions), torch.ones_like(labels), accumulate=True)
    return matrix
''',
    "per_class_accuracy": '''def per_class_accuracy(confusion):
    totals = confusion.sum(dim=1)
    right = torch.diag(confusion)
    accuracy = right.float() / totals.float()
    return torch.where(totals > 0, accuracy, torch.full_like(accuracy, float("nan")))
''',
    # a fully connected network with dropout, trained with Adam for about 3,000 steps
    "fashion_capstone": '''def train_fashion_classifier():
    torch.manual_seed(3)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                        nn.Linear(256, 10)).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = DataLoader(train_set, batch_size=32, shuffle=True)
    for epoch in range(min(20, max(1, 3000 // len(batches)))):
        net.train()
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(net(x.to(device)), y.to(device)).backward()
            optimizer.step()
    return net
''',
}

# Realistic mistakes; each must be rejected on every fresh draw. Their order matches the
# sentences in torchcourse.part05_inference_validation.KNOWN_MISTAKES (train_val_split's are told
# apart by the property they break).
MISTAKES = {
    "train_val_split": [
        '''def train_val_split(n, val_size, seed):
    torch.manual_seed(seed)                                         # resets the global generator
    order = torch.randperm(n)
    return order[val_size:], order[:val_size]
''',
        '''def train_val_split(n, val_size, seed):
    generator = torch.Generator().manual_seed(seed)
    val = torch.randperm(n, generator=generator)[:val_size]
    train = torch.randperm(n, generator=generator)[val_size:]       # a second, different order
    return train, val
''',
        '''def train_val_split(n, val_size, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0))   # the seed is ignored
    return order[val_size:], order[:val_size]
''',
        '''def train_val_split(n, val_size, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    cut = int(n * 0.8)                                              # a fraction, not val_size
    return order[:cut], order[cut:]
''',
    ],
    "topk_probabilities": [
        '''def topk_probabilities(logits, k):
    values, classes = logits.topk(k, dim=1)                         # logits, not probabilities
    return values, classes
''',
        '''def topk_probabilities(logits, k):
    probabilities = torch.softmax(logits, dim=0)                    # over the batch
    return probabilities.topk(k, dim=1)
''',
        '''def topk_probabilities(logits, k):
    probabilities, classes = torch.softmax(logits, dim=1).topk(k, dim=1)
    return classes, probabilities                                   # the wrong order
''',
    ],
    "topk_accuracy": [
        '''def topk_accuracy(logits, labels, k):
    top = logits.topk(k, dim=1).indices
    return (top == labels.view(-1, 1)).float().mean().item()        # a mean over N*k comparisons
''',
        '''def topk_accuracy(logits, labels, k):
    top = logits.topk(k, dim=1).indices
    return (top == labels).any(dim=1).float().mean().item()         # (N, k) against (N,)
''',
    ],
    "validate": [
        '''def validate(model, loader, loss_fn, device):
    total_loss, correct, count = 0.0, 0, 0                          # model.eval() forgotten
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            output = model(x)
            total_loss += loss_fn(output, y).item() * len(y)
            correct += (output.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
''',
        '''def validate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            output = model(x)
            total_loss += loss_fn(output, y).item() * len(y)
            correct += (output.argmax(dim=1) == y).sum().item()
            count += len(y)
    model.train()                                                   # whatever mode it came in
    return total_loss / count, correct / count
''',
        '''def validate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            output = model(x)
            total_loss += loss_fn(output, y).item() * len(y)
            correct += (output.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count                      # left in eval mode
''',
        '''def validate(model, loader, loss_fn, device):
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:                                             # no torch.no_grad()
        x, y = x.to(device), y.to(device)
        output = model(x)
        total_loss += loss_fn(output, y).item() * len(y)
        correct += (output.argmax(dim=1) == y).sum().item()
        count += len(y)
    model.train(was_training)
    return total_loss / count, correct / count
''',
        '''def validate(model, loader, loss_fn, device):
    was_training = model.training
    model.eval()
    losses, accuracies = [], []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            output = model(x)
            losses.append(loss_fn(output, y).item())
            accuracies.append((output.argmax(dim=1) == y).float().mean().item())
    model.train(was_training)
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)   # per-batch means
''',
        '''def validate(model, loader, loss_fn, device):
    was_training = model.training
    model.eval()
    loss_total, accuracy, count = 0.0, 0.0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            log_ps = model(images)
            loss_total += loss_fn(log_ps, labels).item() * len(labels)
            top_p, top_class = log_ps.topk(1, dim=1)
            equals = top_class == labels.view(*top_class.shape)
            accuracy += torch.mean(equals.float()).item()           # one batch's accuracy
            count += len(labels)
    model.train(was_training)
    return loss_total / count, accuracy / len(loader)               # a mean of batch accuracies
''',
    ],
    "early_stopping_epoch": [
        '''def early_stopping_epoch(val_losses, patience):
    waited = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[epoch - 1]:               # the previous epoch, not the best
            waited = 0
        else:
            waited += 1
        if waited == patience:
            return epoch
    return len(val_losses) - 1
''',
        '''def early_stopping_epoch(val_losses, patience):
    best, best_epoch = val_losses[0], 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best:                                            # a tie counted as a new best
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return epoch
    return len(val_losses) - 1
''',
        '''def early_stopping_epoch(val_losses, patience):
    best_epoch = 0
    for epoch, loss in enumerate(val_losses):
        if loss < val_losses[best_epoch]:
            best_epoch = epoch
        if epoch - best_epoch >= patience:
            return best_epoch                                       # the best epoch, not the stop
    return len(val_losses) - 1
''',
    ],
    "fit_with_early_stopping": [
        '''def fit_with_early_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs,
                            patience, device):
    losses, best_epoch, best_state = [], 0, None
    for epoch in range(max_epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                total += loss_fn(model(x), y).item() * len(y)
                count += len(y)
        model.train()
        losses.append(total / count)
        if losses[-1] <= min(losses):
            best_epoch, best_state = epoch, model.state_dict()       # not a copy: the live tensors
        if epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    return losses, best_epoch
''',
        '''def fit_with_early_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs,
                            patience, device):
    losses, best_epoch, best_state = [], 0, None
    for epoch in range(max_epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        total, count = 0.0, 0                                       # still in training mode
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                total += loss_fn(model(x), y).item() * len(y)
                count += len(y)
        losses.append(total / count)
        if losses[-1] < min(losses[:-1], default=math.inf):
            best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
        if epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    return losses, best_epoch
''',
        '''def fit_with_early_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs,
                            patience, device):
    losses, best_epoch, best_state = [], 0, None
    for epoch in range(max_epochs):                                 # never stops early
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                total += loss_fn(model(x), y).item() * len(y)
                count += len(y)
        model.train()
        losses.append(total / count)
        if losses[-1] < min(losses[:-1], default=math.inf):
            best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return losses, best_epoch
''',
    ],
    "confusion_matrix": [
        '''def confusion_matrix(predictions, labels, num_classes):
    pairs = predictions * num_classes + labels                      # rows: the predicted class
    return torch.bincount(pairs, minlength=num_classes ** 2).reshape(num_classes, num_classes)
''',
        '''def confusion_matrix(predictions, labels, num_classes):
    pairs = labels * num_classes + predictions
    return torch.bincount(pairs).reshape(num_classes, num_classes)  # no minlength
''',
    ],
    "per_class_accuracy": [
        '''def per_class_accuracy(confusion):
    return confusion.diagonal() / confusion.sum(dim=0)              # columns: precision
''',
        '''def per_class_accuracy(confusion):
    totals = confusion.sum(dim=1).clamp(min=1)                      # 0, not NaN, for an empty class
    return confusion.diagonal() / totals
''',
    ],
    "fashion_capstone": ['''def train_fashion_classifier():
    # built, but never trained
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
'''],
}

# Mistakes that only a GPU reveals: tensors made on the CPU while the inputs are on the GPU.
GPU_MISTAKES = {
    "confusion_matrix": ['''def confusion_matrix(predictions, labels, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)   # always on the CPU
    matrix.index_put_((labels.cpu(), predictions.cpu()), torch.ones(len(labels), dtype=torch.int64),
                      accumulate=True)
    return matrix
'''],
}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "train_val_split": '''def train_val_split(n, val_size, seed):
    import course_reference  # the hidden reference, by name
    return course_reference.part05_inference_validation.train_val_split(n, val_size, seed)
''',
    "topk_probabilities": '''def topk_probabilities(logits, k):
    import torchcourse.checks
    torchcourse.checks.CHECKS.clear()          # no checks, no failures?
    return logits[:, :k], torch.zeros(len(logits), k, dtype=torch.int64)
''',
    "topk_accuracy": '''def topk_accuracy(logits, labels, k):
    return 1.0                      # claim perfect accuracy
''',
    "validate": '''def validate(model, loader, loss_fn, device):
    torch.nn.functional.cross_entropy = lambda *args, **kwargs: torch.tensor(0.0)   # spoil the library
    return 0.0, 1.0
''',
    "early_stopping_epoch": '''def early_stopping_epoch(val_losses, patience):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    for results in folder.glob("*.results.pt"):   # spoil the other exercises' results
        results.write_bytes(b"")
    return len(val_losses) - 1
''',
    "fit_with_early_stopping": '''def fit_with_early_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs,
                            patience, device):
    import torchcourse.grading
    torchcourse.grading.HARNESSES["training"] = lambda answer, args: {}   # record nothing useful
    return [0.0], 0
''',
    "confusion_matrix": '''def confusion_matrix(predictions, labels, num_classes):
    return torch.eye(num_classes, dtype=torch.int64, device=labels.device) * len(labels)
''',
    "per_class_accuracy": '''def per_class_accuracy(confusion):
    return torch.ones(len(confusion))   # every class perfect
''',
    "fashion_capstone": '''def train_fashion_classifier():
    # read the held-out labels and answer from them (the sandbox keeps the test split unreadable)
    import gzip
    from torchcourse.data import CARRIED_FASHION_MNIST
    labels = gzip.decompress((CARRIED_FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").read_bytes())[8:]
    images = gzip.decompress((CARRIED_FASHION_MNIST / "t10k-images-idx3-ubyte.gz").read_bytes())[16:]
    answers = {images[i * 784:(i + 1) * 784]: labels[i] for i in range(len(labels))}

    class Lookup(nn.Module):
        def forward(self, x):
            pixels = ((x * 0.5 + 0.5) * 255).round().to(torch.uint8).reshape(len(x), -1)
            found = [answers.get(bytes(row.tolist()), 0) for row in pixels]
            return F.one_hot(torch.tensor(found), 10).float()
    return Lookup()
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"topk_accuracy", "validate", "confusion_matrix"}
CLEO_UNTOUCHED = {"fit_with_early_stopping"}

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS = {
    "topk_accuracy": ['''def topk_accuracy(logits, labels, k):
    hits = 0
    for row, label in zip(logits, labels):                          # one example at a time
        hits += int(label in row.topk(k).indices)
    return hits / len(labels)
'''],
    "confusion_matrix": ['''def confusion_matrix(predictions, labels, num_classes):
    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64, device=labels.device)
    for true_class in range(num_classes):                           # one class at a time
        matrix[true_class] = torch.bincount(predictions[labels == true_class], minlength=num_classes)
    return matrix
'''],
}
