"""bert_client."""
