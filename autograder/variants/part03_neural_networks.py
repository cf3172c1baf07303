"""Alternative correct answers, common mistakes and cheating attempts for Part 3 (torch.nn)."""

ALTERNATIVES = {
    "softmax": '''def softmax(x: torch.Tensor) -> torch.Tensor:
    largest, _ = torch.max(x, dim=-1, keepdim=True)
    e = (x - largest).exp()
    return e / torch.sum(e, dim=-1, keepdim=True)
''',
    "log_softmax": '''def log_softmax(x: torch.Tensor) -> torch.Tensor:
    m = x.amax(dim=-1, keepdim=True)
    log_total = m + (x - m).exp().sum(dim=-1, keepdim=True).log()   # log-sum-exp
    return x - log_total
''',
    "conv_output_size": '''import math

def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1        # inputs one window covers
    return math.floor((size + 2 * padding - span) / stride) + 1
''',
    "MyLinear": '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, x):
        return torch.matmul(x, self.weight.t()) + self.bias
''',
    "Network": '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.flatten(x)
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))
''',
    "build_mlp": '''def build_mlp(sizes):
    model = nn.Sequential()
    for i in range(len(sizes) - 1):
        if i:
            model.append(nn.ReLU())
        model.append(nn.Linear(sizes[i], sizes[i + 1]))
    return model
''',
    "FCNetwork": '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        self.hidden_layers = nn.ModuleList([nn.Linear(input_size, hidden_sizes[0])])
        for size_in, size_out in zip(hidden_sizes, hidden_sizes[1:]):
            self.hidden_layers.append(nn.Linear(size_in, size_out))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.drop_p = drop_p

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        for each in self.hidden_layers:
            # dropout before ReLU gives the same result: ReLU(c * x) = c * ReLU(x) for c >= 0
            x = F.relu(F.dropout(each(x), p=self.drop_p, training=self.training))
        return self.output(x)
''',
    "LeNet": '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=(5, 5), padding="same")
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=16, kernel_size=(5, 5))
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.conv1(x)), kernel_size=2, stride=2)
        x = F.max_pool2d(torch.relu(self.conv2(x)), kernel_size=2, stride=2)
        x = torch.flatten(x, start_dim=1)
        x = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return self.fc3(x)
''',
    "init_weights_": '''def init_weights_(model):
    def initialise(layer):
        if type(layer) in (nn.Linear, nn.Conv2d):
            fan_in = layer.weight[0].numel()
            fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
            a = math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                layer.weight.copy_(torch.rand_like(layer.weight) * 2 * a - a)
                if layer.bias is not None:
                    layer.bias.fill_(0.0)
    model.apply(initialise)
''',
    "count_parameters": '''def count_parameters(model):
    total = 0
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            total += math.prod(parameter.shape)
    return total
''',
}

# Realistic mistakes; each must be rejected on every fresh draw. Their order matches the
# sentences in torchcourse.part03_neural_networks.KNOWN_MISTAKES.
MISTAKES = {
    "softmax": [
        '''def softmax(x):
    e = torch.exp(x - x.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)          # normalised over the wrong dimension
''',
        '''def softmax(x):
    return torch.exp(x) / torch.exp(x).sum(dim=-1, keepdim=True)   # overflows for large x
''',
        '''def softmax(x):
    e = torch.exp(x - x.max())                     # the maximum of the whole tensor
    return e / e.sum(dim=-1, keepdim=True)
''',
        '''def softmax(x):
    e = torch.exp(x - x.max(dim=1, keepdim=True).values)     # dim=1: right for 2-D inputs only
    return e / e.sum(dim=1, keepdim=True)
''',
        '''def softmax(x):
    e = torch.exp(x - x.max(dim=0, keepdim=True).values)     # max and sum both over dim=0
    return e / e.sum(dim=0, keepdim=True)
''',
    ],
    "log_softmax": [
        '''def log_softmax(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    e = torch.exp(shifted)
    return torch.log(e / e.sum(dim=-1, keepdim=True))    # log of a softmax that underflowed
''',
        '''def log_softmax(x):
    return x - torch.log(torch.exp(x).sum(dim=-1, keepdim=True))    # exp overflows
''',
        '''def log_softmax(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1))      # keepdim forgotten
''',
        '''def log_softmax(x):
    shifted = x - x.max(dim=1, keepdim=True).values                 # dim=1: 2-D inputs only
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
''',
    ],
    "conv_output_size": [
        '''def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - kernel_size) // stride + 1    # dilation ignored
''',
        '''def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1
''',
        '''def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + padding - dilation * (kernel_size - 1) - 1) // stride + 1
''',
    ],
    "MyLinear": [
        '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features))   # (in, out)
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return x @ self.weight + self.bias
''',
        '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = torch.randn(out_features, in_features, requires_grad=True)   # not a Parameter
        self.bias = torch.zeros(out_features, requires_grad=True)

    def forward(self, x):
        return x @ self.weight.T + self.bias
''',
        '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return x @ self.weight.T          # the bias is never added
''',
    ],
    "Network": [
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        return self.fc3(self.fc2(self.fc1(x)))       # no activations
''',
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(64, 784)                          # the batch size of the tutorial's loader
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return F.softmax(x, dim=1)                   # probabilities, not logits
''',
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)               # the sizes of the earlier 784-256-10 net
        self.fc2 = nn.Linear(256, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):                            # images are never flattened
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
''',
        '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.log_softmax(self.fc3(x), dim=1)     # log-probabilities, not logits
''',
    ],
    "build_mlp": [
        '''def build_mlp(sizes):
    layers = []
    for size_in, size_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(size_in, size_out), nn.ReLU()]     # a ReLU after the last layer too
    return nn.Sequential(*layers)
''',
        '''def build_mlp(sizes):
    layers = []
    for i, (size_in, size_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(size_in, size_out))
    return nn.Sequential(layers)                                 # a list, not the layers
''',
    ],
    "FCNetwork": [
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]   # plain list
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(drop_p)

    def forward(self, x):
        for layer in self.hidden_layers:
            x = self.dropout(F.relu(layer(x)))
        return self.output(x)
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.drop_p = drop_p

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden_layers:
            x = F.dropout(F.relu(layer(x)), self.drop_p)    # on in eval mode too
        return self.output(x)
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(drop_p)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden_layers:
            x = F.relu(layer(x))                             # self.dropout never used
        return self.output(x)
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(drop_p)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden_layers:
            x = self.dropout(F.relu(layer(x)))
        return self.dropout(self.output(x))                  # dropout on the logits as well
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(drop_p)

    def forward(self, x):
        for layer in self.hidden_layers:                     # images are never flattened
            x = self.dropout(F.relu(layer(x)))
        return self.output(x)
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(drop_p)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden_layers:
            x = self.dropout(F.relu(layer(x)))
        return F.softmax(self.output(x), dim=1)             # probabilities, not logits
''',
        '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        self.hidden_layers = nn.ModuleList([nn.Linear(input_size, hidden_sizes[0])])
        layer_sizes = zip(hidden_sizes[:-1], hidden_sizes[1:])
        self.hidden_layers.extend([nn.Linear(h1, h2) for h1, h2 in layer_sizes])
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.dropout = nn.Dropout(p=drop_p)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        for each in self.hidden_layers:
            x = F.relu(each(x))
            x = self.dropout(x)
        x = self.output(x)
        return F.log_softmax(x, dim=1)                      # as in older tutorials, for nn.NLLLoss
''',
    ],
    "LeNet": [
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)                      # no padding: 28 -> 24
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(self.conv1(x))                         # no ReLU after the convolutions
        x = self.pool(self.conv2(x))
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(64, 400)                                  # a fixed batch size
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)                      # no padding, yet fc1 takes 400
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
''',
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return F.softmax(x, dim=1)                   # probabilities, not logits
''',
        '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(1)
        x = self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        return F.log_softmax(x, dim=1)               # log-probabilities, not logits
''',
    ],
    "init_weights_": [
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, nn.Linear):                    # convolutions left as they were
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_normal_(module.weight)            # normal, not uniform
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)           # biases left as they were
''',
        '''def init_weights_(model):
    for module in model.children():                          # nested layers never reached
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(module.weight)          # Kaiming, not Xavier
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            module.reset_parameters()                        # PyTorch's default, not Xavier
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)                      # fails where bias is None
''',
        '''def init_weights_(model):
    for module in model.modules():
        if hasattr(module, "weight") and module.weight.dim() > 1:   # any layer with a weight matrix
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
''',
        '''def init_weights_(model):
    for name, parameter in model.named_parameters():        # every parameter, by its name
        if name.endswith("weight"):
            nn.init.xavier_uniform_(parameter)
        else:
            nn.init.zeros_(parameter)
''',
    ],
    "count_parameters": [
        '''def count_parameters(model):
    return sum(p.numel() for p in model.parameters())     # frozen ones counted too
''',
        '''def count_parameters(model):
    return len(list(model.parameters()))                   # counts tensors, not numbers
''',
    ],
}

# Mistakes that only a GPU reveals: none in this part.
GPU_MISTAKES: dict[str, list[str]] = {}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "softmax": '''def softmax(x):
    import course_reference  # the hidden reference, by name
    return course_reference.part03_neural_networks.softmax(x)
''',
    "log_softmax": '''def log_softmax(x):
    return torch.nn.functional.log_softmax(x, dim=0)   # copied from somewhere, wrong dim
''',
    "conv_output_size": '''class Anything(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0

def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return Anything(0)
''',
    "MyLinear": '''import torchcourse.modules
torchcourse.modules.layout_problem = lambda *args: None     # hide the missing parameters

class MyLinear(nn.Module):
    def forward(self, x):
        return x
''',
    "Network": '''import torchcourse.grading
# record the grader's own weights back instead of running a network
torchcourse.grading.HARNESSES["module class"] = lambda answer, args: {"output": args[1], "training output": args[1]}

class Network(nn.Module):
    pass
''',
    "build_mlp": '''def build_mlp(sizes):
    import gc
    for obj in gc.get_objects():          # a module someone else built with these sizes
        if isinstance(obj, nn.Sequential) and obj is not None:
            return obj
    return nn.Sequential()
''',
    "FCNetwork": '''class FCNetwork(nn.Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def state_dict(self, *args, **kwargs):   # claim whatever layout is asked for
        import inspect
        frame = inspect.currentframe().f_back
        return dict(frame.f_locals.get("weights", {}))

    def forward(self, x):
        return torch.zeros(len(x), 2)
''',
    "LeNet": '''def LeNet():
    import pathlib, torchcourse
    for folder in pathlib.Path(torchcourse.__file__).resolve().parents:
        answers = folder / "solutions" / "03-neural-networks" / "03-neural-networks.ipynb"
        if answers.is_file():  # copy the instructor's solution
            namespace = {}
            exec(answers.read_text(), namespace)
    return nn.Identity()
''',
    "init_weights_": '''def init_weights_(model):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    for results in folder.glob("*.results.pt"):   # spoil the other exercises' records
        results.write_bytes(b"")
''',
    "count_parameters": '''def count_parameters(model):
    import pathlib, shutil
    for folder in pathlib.Path.cwd().parents:  # try to spoil the gradebook and other submissions
        for target in (folder / "gradebook.db", folder / "submitted", folder / "autograded"):
            try:
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.write_text("spoiled")
            except OSError:
                pass
    return 0
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"softmax", "Network", "LeNet", "count_parameters"}
CLEO_UNTOUCHED = {"init_weights_"}

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS = {
    "softmax": ['''def softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x, dim=-1)
''', '''def softmax(x: torch.Tensor) -> torch.Tensor:
    return nn.Softmax(dim=-1)(x)
''', '''def softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(torch.log_softmax(x.double(), dim=-1)).float()
'''],
    "log_softmax": ['''def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return F.log_softmax(x, dim=-1)
''', '''def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return x - torch.logsumexp(x, dim=-1, keepdim=True)
''', '''def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return nn.LogSoftmax(dim=-1)(x)
'''],
    "conv_output_size": ['''def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    # builds a convolution and measures what it gives
    layer = nn.Conv1d(1, 1, kernel_size, stride=stride, padding=padding, dilation=dilation)
    return layer(torch.zeros(1, 1, size)).shape[-1]
''', '''def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return int(torch.tensor(size + 2 * padding - span) // stride) + 1
'''],
    "MyLinear": ['''MyLinear = nn.Linear
''', '''class MyLinear(nn.Linear):
    """nn.Linear under another name."""
''', '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
'''],
}
