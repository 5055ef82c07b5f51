"""bert_activities."""
