"""Benchmarks of bert-parallel side by side with plain Hugging Face (``uvx nox -s bench``)."""
