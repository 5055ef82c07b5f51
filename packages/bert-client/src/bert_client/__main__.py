"""``python -m bert_client``: the ``bert`` command line."""

from bert_client.cli import app

if __name__ == "__main__":
    app()
