# Colab only: install the course's helper package, torchcourse, from the course's repository.
# A regular (not editable) install goes into site-packages, which is already on the import path,
# so the setup cell below imports it without restarting the runtime. --no-deps leaves Colab's own
# torch, torchvision, matplotlib and numpy alone: replacing a package that is already imported
# is what would need a restart. Anywhere else (Binder, your own computer) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import subprocess

    package = "git+https://github.com/$repo"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", package],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(f"Installing torchcourse failed:\n{pip.stderr}")
    importlib.invalidate_caches()
