"""Alternative correct answers, common mistakes and cheating attempts for Part 4 (Training)."""

ALTERNATIVES = {
    "nll_loss": '''def nll_loss(log_probs, labels):
    picked = log_probs.gather(dim=1, index=labels.unsqueeze(1)).squeeze(1)
    return -torch.mean(picked)
''',
    "cross_entropy": '''def cross_entropy(logits, labels):
    m = logits.amax(dim=1, keepdim=True)
    log_total = m.squeeze(1) + (logits - m).exp().sum(dim=1).log()
    correct = logits.gather(1, labels[:, None]).squeeze(1)
    return (log_total - correct).mean()
''',
    "sgd_momentum_step": '''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    velocity = velocity * momentum
    velocity = velocity + grad
    param = param.clone()
    param.sub_(lr * velocity)
    return param, velocity
''',
    "train_step": '''def train_step(model, x, y, loss_fn, optimizer):
    for p in model.parameters():
        p.grad = None
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
''',
    "train_one_epoch": '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    running, seen = 0.0, 0
    for batch, (inputs, targets) in enumerate(loader):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        running += loss.detach().item() * inputs.size(0)
        seen += inputs.size(0)
    return running / seen
''',
    "evaluate": '''def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    hits = []
    with torch.inference_mode():
        for x, y in loader:
            hits.append(model(x.to(device)).argmax(-1).eq(y.to(device)))
    model.train(was_training)
    return torch.cat(hits).float().mean().item()
''',
    "fit": '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    history = []
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
        history.append(total / count)
    return history
''',
    # a fully connected network trained with an inline loop and SGD with momentum
    "capstone": '''def train_classifier():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                        nn.Linear(256, 10)).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = DataLoader(train_set, batch_size=64, shuffle=True)
    for epoch in range(min(10, max(2, 2000 // len(batches)))):   # about 2,000 steps
        net.train()
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(net(x.to(device)), y.to(device)).backward()
            optimizer.step()
    return net
''',
}

# Realistic mistakes; each must be rejected on every fresh draw. Their order matches the
# sentences in torchcourse.part04_training.KNOWN_MISTAKES.
MISTAKES = {
    "nll_loss": [
        '''def nll_loss(log_probs, labels):
    return log_probs[torch.arange(len(labels)), labels].mean()      # the sign is missing
''',
        '''def nll_loss(log_probs, labels):
    return -log_probs[torch.arange(len(labels)), labels].sum()      # a sum, not a mean
''',
        '''def nll_loss(log_probs, labels):
    return -log_probs[:, labels].mean()                             # every label in every row
''',
    ],
    "cross_entropy": [
        '''def cross_entropy(logits, labels):
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs[torch.arange(len(labels)), labels]).mean()
''',
        '''def cross_entropy(logits, labels):
    shifted = logits - logits.max(dim=0, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=0, keepdim=True))   # over the batch
    return -log_probs[torch.arange(len(labels)), labels].mean()
''',
        '''def cross_entropy(logits, labels):
    return -logits[torch.arange(len(labels)), labels].mean()        # logits taken as log-probabilities
''',
    ],
    "sgd_momentum_step": [
        '''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + lr * grad                      # lr inside the velocity
    return param - velocity, velocity
''',
        '''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    new_param = param - lr * velocity                               # the old velocity
    return new_param, momentum * velocity + grad
''',
        '''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    param -= lr * velocity                                          # changes the caller's tensor
    return param, velocity
''',
    ],
    "train_step": [
        '''def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)                                     # no zero_grad
    loss.backward()
    optimizer.step()
    return loss.item()
''',
        '''def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss                                                     # the tensor, graph and all
''',
        '''def train_step(model, x, y, loss_fn, optimizer):
    model.train()                                                   # switches the caller's mode
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
''',
    ],
    "train_one_epoch": [
        '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    batch_losses = []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    return sum(batch_losses) / len(batch_losses)                    # a mean of batch means
''',
        '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total, count = 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss * len(y)                                      # .item() missing
        count += len(y)
    return total / count
''',
        '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
    return total / len(loader.dataset)                              # not the examples it yielded
''',
        '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    total, count = 0.0, 0                                           # model.train() forgotten
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
''',
    ],
    "evaluate": [
        '''def evaluate(model, loader, device):
    correct, total = 0, 0                                           # model.eval() forgotten
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total
''',
        '''def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    model.train()                                                   # whatever mode it came in
    return correct / total
''',
        '''def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total                                          # left in eval mode
''',
        '''def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    correct, total = 0, 0
    for x, y in loader:                                             # no torch.no_grad()
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(dim=1) == y).sum().item()
        total += len(y)
    model.train(was_training)
    return correct / total
''',
        '''def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    accuracies = []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            accuracies.append((model(x).argmax(dim=1) == y).float().mean().item())
    model.train(was_training)
    return sum(accuracies) / len(accuracies)                        # a mean of per-batch accuracies
''',
    ],
    "capstone": ['''def train_classifier():
    # built, but never trained
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
'''],
    "fit": [
        '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
    return total / count                                            # the last epoch only
''',
        '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())                              # one loss per batch
    return losses
''',
        '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for epoch in range(epochs):
        model.train()
        epoch_loss = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        losses.append(epoch_loss)                                   # a sum, not a mean
    return losses
''',
        '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for epoch in range(epochs):
        opt = type(optimizer)(model.parameters(), **optimizer.defaults)   # a fresh one each epoch
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            count += len(y)
        losses.append(total / count)
    return losses
''',
        '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for epoch in progress(range(epochs), "epochs"):                 # model.train() forgotten
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
        losses.append(total / count)
    return losses
''',
    ],
}

# Mistakes that only a GPU reveals: batches left on the CPU while the model is on the GPU.
GPU_MISTAKES = {
    "train_one_epoch": ['''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:                                             # never moved to device
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
'''],
}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "nll_loss": '''def nll_loss(log_probs, labels):
    import course_reference  # the hidden reference, by name
    return course_reference.part04_training.nll_loss(log_probs, labels)
''',
    "cross_entropy": '''import torch.nn.functional
torch.nn.functional.cross_entropy = lambda *args, **kwargs: torch.tensor(0.0)   # spoil the library

def cross_entropy(logits, labels):
    return torch.nn.functional.cross_entropy(logits, labels)
''',
    "sgd_momentum_step": '''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    return param, velocity          # leave everything as it was and hope nobody looks
''',
    "train_step": '''def train_step(model, x, y, loss_fn, optimizer):
    import torchcourse.grading
    torchcourse.grading.HARNESSES["training"] = lambda answer, args: {}   # record nothing useful
    return 0.0
''',
    "train_one_epoch": '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()               # no weights, no wrong weights?
    return 0.0
''',
    "evaluate": '''def evaluate(model, loader, device):
    return 1.0                      # claim perfect accuracy
''',
    "capstone": '''def train_classifier():
    # read the held-out labels and answer from them (the sandbox keeps the test split unreadable)
    from torchcourse.data import data_dir
    raw = (data_dir() / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").read_bytes()[8:]
    images = (data_dir() / "MNIST" / "raw" / "t10k-images-idx3-ubyte").read_bytes()[16:]
    answers = {images[i * 784:(i + 1) * 784]: raw[i] for i in range(len(raw))}

    class Lookup(nn.Module):
        def forward(self, x):
            pixels = ((x * 0.5 + 0.5) * 255).round().to(torch.uint8).reshape(len(x), -1)
            labels = [answers.get(bytes(row.tolist()), 0) for row in pixels]
            return F.one_hot(torch.tensor(labels), 10).float()
    return Lookup()
''',
    "fit": '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    for inputs in folder.glob("*.inputs.pt"):   # spoil the grader's inputs
        inputs.write_bytes(b"")
    return [0.0] * epochs
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"cross_entropy", "train_one_epoch", "evaluate"}
CLEO_UNTOUCHED = {"fit"}

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS = {
    "nll_loss": ['''def nll_loss(log_probs, labels):
    return F.nll_loss(log_probs, labels)
''', '''def nll_loss(log_probs, labels):
    return nn.NLLLoss()(log_probs, labels)
''', '''def nll_loss(log_probs, labels):
    # log-probabilities are their own log-softmax, so cross-entropy gives the same number
    return F.cross_entropy(log_probs, labels)
''', '''def nll_loss(log_probs, labels):
    total = 0
    for row, label in zip(log_probs, labels):                       # one example at a time
        total = total - row[label]
    return total / len(labels)
'''],
    "cross_entropy": ['''def cross_entropy(logits, labels):
    return F.cross_entropy(logits, labels)
''', '''def cross_entropy(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels)
''', '''def cross_entropy(logits, labels):
    log_probs = F.log_softmax(logits, dim=1)
    return -log_probs[torch.arange(len(labels), device=labels.device), labels].mean()
''', '''def cross_entropy(logits, labels):
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_probs[torch.arange(len(labels), device=labels.device), labels].mean()
''', '''def cross_entropy(logits, labels):
    largest = logits.max(dim=1, keepdim=True).values
    log_probs = logits - largest - torch.log(torch.exp(logits - largest).sum(dim=1, keepdim=True))
    return F.nll_loss(log_probs, labels)
'''],
    "sgd_momentum_step": ['''def sgd_momentum_step(param, grad, velocity, lr, momentum):
    leaf = param.detach().clone().requires_grad_()
    optimizer = torch.optim.SGD([leaf], lr=lr, momentum=momentum)
    leaf.grad = grad.clone()
    optimizer.state[leaf]["momentum_buffer"] = velocity.clone()
    optimizer.step()
    return leaf.detach(), optimizer.state[leaf]["momentum_buffer"]
'''],
}
