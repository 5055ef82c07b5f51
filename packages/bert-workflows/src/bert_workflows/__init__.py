"""bert_workflows."""
