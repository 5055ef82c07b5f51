"""Run every benchmark side by side with plain Hugging Face (``uvx nox -s bench [-- --quick]``)."""

import sys

from bench.runner import main

if __name__ == "__main__":
    sys.exit(main())
