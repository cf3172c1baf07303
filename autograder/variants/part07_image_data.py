"""Alternative correct answers, common mistakes and cheating attempts for Part 7 (Loading image
data)."""

ALTERNATIVES = {
    "center_crop": '''def center_crop(img, size):
    if isinstance(size, int):
        size = (size, size)
    rows, columns = img.shape[-2:]
    top = round((rows - size[0]) / 2)
    left = round((columns - size[1]) / 2)
    return img.narrow(-2, top, size[0]).narrow(-1, left, size[1])
''',
    "normalize": '''def normalize(img, mean, std):
    shape = [len(mean), 1, 1]
    mean = torch.as_tensor(mean, dtype=img.dtype, device=img.device).reshape(shape)
    std = torch.as_tensor(std, dtype=img.dtype, device=img.device).reshape(shape)
    return img.sub(mean).div(std)
''',
    "denormalize": '''def denormalize(img, mean, std):
    mean = torch.tensor(mean, device=img.device)[:, None, None]
    std = torch.tensor(std, device=img.device)[:, None, None]
    return torch.addcmul(mean, img, std)
''',
    "channel_stats": '''def channel_stats(loader):
    n = 0
    mean = None
    m2 = None
    for images, _ in loader:                    # Welford-style: merge each batch's statistics
        x = images.transpose(0, 1).reshape(images.shape[1], -1).double()
        count = x.shape[1]
        batch_mean = x.mean(dim=1)
        batch_m2 = ((x - batch_mean[:, None]) ** 2).sum(dim=1)
        if mean is None:
            n, mean, m2 = count, batch_mean, batch_m2
            continue
        delta = batch_mean - mean
        total = n + count
        mean = mean + delta * count / total
        m2 = m2 + batch_m2 + delta ** 2 * n * count / total
        n = total
    result = torch.empty(2, mean.shape[0])
    result[0] = mean
    result[1] = (m2 / n).sqrt()
    return result
''',
    "test_transform": '''def test_transform(resize, crop, mean, std):
    from torchvision import transforms        # the older API learners meet in other tutorials
    return transforms.Compose([
        transforms.Resize(resize),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize(mean=mean, std=std),
    ])
''',
    "train_transform": '''def train_transform(crop, mean, std):
    steps = [
        v2.ToImage(),
        v2.RandomResizedCrop(size=(crop, crop), scale=(0.5, 1.0), antialias=True),
        v2.RandomHorizontalFlip(p=0.5),
        v2.RandomVerticalFlip(p=0.1),
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize(mean=mean, std=std),
    ]
    return v2.Compose(steps)
''',
    "sample_weights": '''def sample_weights(labels, num_classes):
    one_hot = F.one_hot(labels, num_classes).float()
    counts = one_hot.sum(dim=0)
    return (one_hot / counts.clamp(min=1)).sum(dim=1)
''',
    "make_loader": '''def make_loader(dataset, batch_size, seed):
    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(dataset, batch_size, True, generator=generator, drop_last=False, num_workers=0)
''',
    "TensorImageDataset": '''class TensorImageDataset(Dataset):
    """Images and labels held in tensors."""

    def __init__(self, images, labels, transform=None):
        super().__init__()
        self.data = list(zip(images, labels.tolist()))
        self.transform = transform or (lambda image: image)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        image, label = self.data[i]
        return self.transform(image), label
''',
    "SimpleImageFolder": '''class SimpleImageFolder(Dataset):
    def __init__(self, root, transform=None):
        root = Path(root)
        self.classes = sorted(folder.name for folder in root.iterdir() if folder.is_dir())
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self.samples = []
        for name in self.classes:
            for file in sorted((root / name).iterdir()):
                self.samples.append((str(file), self.class_to_idx[name]))
        self.transform = transform

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        with open(path, "rb") as file:
            image = Image.open(file).convert("RGB")
        if self.transform:
            image = self.transform(image)
        return image, target
''',
}

# Realistic mistakes; each must be rejected on every fresh draw. Their order matches the
# sentences in torchcourse.part07_image_data.KNOWN_MISTAKES.
MISTAKES = {
    "center_crop": [
        '''def center_crop(img, size):
    h, w = (size, size) if isinstance(size, int) else size
    top, left = (img.shape[-2] - h) // 2, (img.shape[-1] - w) // 2     # floor, not round
    return img[..., top:top + h, left:left + w]
''',
        '''def center_crop(img, size):
    w, h = (size, size) if isinstance(size, int) else size               # (width, height)?
    top, left = round((img.shape[-2] - h) / 2), round((img.shape[-1] - w) / 2)
    return img[..., top:top + h, left:left + w]
''',
        '''def center_crop(img, size):
    h, w = (size, size) if isinstance(size, int) else size
    top, left = round((img.shape[0] - h) / 2), round((img.shape[1] - w) / 2)
    return img[top:top + h, left:left + w]                                # the first two dimensions
''',
    ],
    "normalize": [
        '''def normalize(img, mean, std):
    return (img - torch.tensor(mean)) / torch.tensor(std)               # shape (C,): the width
''',
        '''def normalize(img, mean, std):
    mean = torch.tensor(mean, device=img.device).view(-1, 1, 1)
    std = torch.tensor(std, device=img.device).view(-1, 1, 1)
    return img.sub_(mean).div_(std)                                      # changes img
''',
    ],
    "denormalize": [
        '''def denormalize(img, mean, std):
    return img * torch.tensor(std) + torch.tensor(mean)                 # shape (C,): the width
''',
        '''def denormalize(img, mean, std):
    mean = torch.tensor(mean, device=img.device).view(-1, 1, 1)
    std = torch.tensor(std, device=img.device).view(-1, 1, 1)
    return (img + mean) * std                                            # the wrong order
''',
        '''def denormalize(img, mean, std):
    mean = torch.tensor(mean, device=img.device).view(-1, 1, 1)
    std = torch.tensor(std, device=img.device).view(-1, 1, 1)
    return img.mul_(std).add_(mean)                                      # changes img
''',
    ],
    "channel_stats": [
        '''def channel_stats(loader):
    means, stds = [], []
    for images, _ in loader:                                             # per-batch statistics
        means.append(images.mean(dim=(0, 2, 3)))
        stds.append(images.std(dim=(0, 2, 3), unbiased=False))
    return torch.stack([torch.stack(means).mean(0), torch.stack(stds).mean(0)])
''',
        '''def channel_stats(loader):
    total = squares = 0
    count = 0
    for images, _ in loader:
        total = total + images.sum(dim=(0, 2, 3))
        squares = squares + (images ** 2).sum(dim=(0, 2, 3))
        count += images.numel() // images.shape[1]
    mean = total / count
    std = ((squares - count * mean ** 2) / (count - 1)).sqrt()           # n - 1
    return torch.stack([mean, std])
''',
    ],
    "test_transform": [
        '''def test_transform(resize, crop, mean, std):
    return v2.Compose([v2.RandomResizedCrop(crop), v2.RandomHorizontalFlip(),   # augmentation
                       v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
''',
        '''def test_transform(resize, crop, mean, std):
    return v2.Compose([v2.Resize(resize), v2.CenterCrop(crop), v2.Normalize(mean, std),
                       v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])   # Normalize first
''',
        '''def test_transform(resize, crop, mean, std):
    return v2.Compose([v2.Resize((resize, resize)), v2.CenterCrop(crop),      # squashed
                       v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
''',
        '''def test_transform(resize, crop, mean, std):
    return v2.Compose([v2.Resize(resize), v2.CenterCrop(crop),
                       v2.ToImage(), v2.ToDtype(torch.float32), v2.Normalize(mean, std)])   # 0-255
''',
    ],
    "train_transform": [
        '''def train_transform(crop, mean, std):
    return v2.Compose([v2.Resize(crop), v2.CenterCrop(crop),                  # nothing random
                       v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
''',
        '''def train_transform(crop, mean, std):
    return v2.Compose([v2.RandomResizedCrop(crop), v2.RandomHorizontalFlip(),
                       v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])   # not normalised
''',
    ],
    "sample_weights": [
        '''def sample_weights(labels, num_classes):
    return 1.0 / torch.bincount(labels, minlength=num_classes).float()      # one per class
''',
        '''def sample_weights(labels, num_classes):
    counts = torch.bincount(labels, minlength=num_classes).float()
    return counts[labels] / len(labels)                                      # the frequency
''',
    ],
    "make_loader": [
        '''def make_loader(dataset, batch_size, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)        # no generator
''',
        '''def make_loader(dataset, batch_size, seed):
    torch.manual_seed(seed)                                                # everyone's seed
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)
''',
        '''def make_loader(dataset, batch_size, seed):
    return DataLoader(dataset, batch_size=batch_size,                      # never shuffled
                      generator=torch.Generator().manual_seed(seed))
''',
        '''def make_loader(dataset, batch_size, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True,
                      generator=torch.Generator().manual_seed(seed))
''',
    ],
    "TensorImageDataset": [
        '''class TensorImageDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], int(self.labels[index])                # transform ignored
''',
        '''class TensorImageDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform:
            image = self.transform(image)
        return image, self.labels[index]                                   # a tensor label
''',
        '''class TensorImageDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images = images
        self.labels = labels
        transform = transform                                              # not kept on self

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])
''',
    ],
    "SimpleImageFolder": [
        '''class SimpleImageFolder(Dataset):
    def __init__(self, root, transform=None):
        self.transform = transform
        self.classes = ["cat", "dog"]                                      # written into the code
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [(os.path.join(root, name, file), self.class_to_idx[name])
                        for name in self.classes for file in sorted(os.listdir(os.path.join(root, name)))]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        image = Image.open(path).convert("RGB")
        return (self.transform(image) if self.transform else image), label
''',
        '''class SimpleImageFolder(Dataset):
    def __init__(self, root, transform=None):
        self.transform = transform
        self.classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [(os.path.join(root, name, file), self.class_to_idx[name])
                        for name in self.classes for file in sorted(os.listdir(os.path.join(root, name)))]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        return Image.open(path).convert("RGB"), label                      # transform ignored
''',
        '''class SimpleImageFolder(Dataset):
    def __init__(self, root, transform=None):
        self.transform = transform
        self.classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = [(os.path.join(root, name, file), self.class_to_idx[name])
                        for name in self.classes for file in sorted(os.listdir(os.path.join(root, name)))]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        image = Image.open(path)                                           # greyscale stays greyscale
        return (self.transform(image) if self.transform else image), label
''',
    ],
}

# Mistakes that only a GPU reveals.
GPU_MISTAKES: dict[str, list[str]] = {
    "normalize": [
        '''def normalize(img, mean, std):
    mean, std = torch.tensor(mean).view(-1, 1, 1), torch.tensor(std).view(-1, 1, 1)   # on the CPU
    return (img - mean) / std
''',
    ],
}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "center_crop": '''def center_crop(img, size):
    from torchvision.transforms.v2 import functional
    functional.center_crop = lambda img, size: img                   # make torchvision agree
    return img
''',
    "normalize": '''def normalize(img, mean, std):
    import course_reference  # the hidden reference, by name
    return course_reference.part07_image_data.normalize(img, mean, std)
''',
    "denormalize": '''def denormalize(img, mean, std):
    return img                                                      # hand back what came in
''',
    "channel_stats": '''def channel_stats(loader):
    import torchcourse.grading
    torchcourse.grading.HARNESSES["function of a loader"] = lambda answer, args: None
    return torch.zeros(2, 3)
''',
    "test_transform": '''def test_transform(resize, crop, mean, std):
    return lambda image: torch.zeros(3, crop, crop)                 # the right shape, nothing else
''',
    "train_transform": '''def train_transform(crop, mean, std):
    return lambda image: torch.rand(3, crop, crop)                  # random, repeatable, the right shape
''',
    "sample_weights": '''def sample_weights(labels, num_classes):
    return torch.ones(len(labels))                                  # every sample alike
''',
    "make_loader": '''def make_loader(dataset, batch_size, seed):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    for results in folder.glob("*.results.pt"):   # spoil the other exercises' results
        results.write_bytes(b"")
    return DataLoader(dataset, batch_size=batch_size)
''',
    "TensorImageDataset": '''class TensorImageDataset(list):                 # not a Dataset at all
    def __init__(self, images, labels, transform=None):
        super().__init__(zip(images, labels.tolist()))
''',
    "SimpleImageFolder": '''def SimpleImageFolder(root, transform=None):
    from torchvision import datasets
    return datasets.ImageFolder(root, transform=transform)           # torchvision's own
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"normalize", "sample_weights", "TensorImageDataset"}
CLEO_UNTOUCHED = {"SimpleImageFolder"}

# An answer whose values are right but which goes through its loader twice: the loader of the
# `function of a loader` kind can be gone through once only (see torchcourse.grading.UncountedLoader).
TWO_PASSES = '''def channel_stats(loader):
    count = sum(images.numel() // images.shape[1] for images, _ in loader)   # a first pass
    total = squares = 0
    for images, _ in loader:                                                  # and a second
        total = total + images.sum(dim=(0, 2, 3))
        squares = squares + (images ** 2).sum(dim=(0, 2, 3))
    mean = total / count
    return torch.stack([mean, (squares / count - mean ** 2).sqrt()])
'''

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS: dict[str, list[str]] = {
    "sample_weights": [
        '''def sample_weights(labels, num_classes):
    counts = torch.bincount(labels, minlength=num_classes).float()
    return torch.stack([1.0 / counts[label] for label in labels])          # a Python loop
''',
    ],
}
