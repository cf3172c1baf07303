"""Fill data/ with the datasets the course uses (`make data`).

Downloads them when the machine is online; offline, writes small real stand-ins so that every
notebook's `download=True` loading code still works.
"""

from pathlib import Path

from torchcourse.data import prepare_cats_dogs, prepare_fashion_mnist, prepare_mnist

if __name__ == "__main__":
    root = prepare_mnist(Path(__file__).resolve().parent)
    prepare_fashion_mnist(root)
    prepare_cats_dogs(root)
    print(f"Datasets ready in {root}")
