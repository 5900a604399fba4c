"""Make `import matching` find the library rather than this tests folder (a namespace-package clash)."""
import sys
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [PROJECT_ROOT]:
    sys.path.insert(0, PROJECT_ROOT)
