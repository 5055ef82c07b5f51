"""``python -m bert_types``: print the JSON Schema of experiment files."""

from bert_types.json_schema import main

if __name__ == "__main__":
    main()
