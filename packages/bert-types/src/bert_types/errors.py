"""Error type names raised by activities and workflows as non-retryable ``ApplicationError``s.

Workflows list them as non-retryable and clients match on them, without importing the activities.
"""

from typing import Final

INVALID_CONFIG: Final = "InvalidConfigError"
"""A request or config is inconsistent (for example ``max_seq_length`` above the model's limit)."""
DATASET_NOT_FOUND: Final = "DatasetNotFoundError"
"""The dataset path or hub id does not exist or cannot be read."""
DATASET_DECODE: Final = "DatasetDecodeError"
"""A data file exists but cannot be parsed (not UTF-8, malformed rows)."""
SPLIT_NOT_FOUND: Final = "SplitNotFoundError"
"""The requested split is not in the dataset."""
TEXT_FIELD_NOT_FOUND: Final = "TextFieldNotFoundError"
"""No usable text column, or the configured text column is missing."""
LABEL_FIELD_INVALID: Final = "LabelFieldError"
"""The label column is missing, of mixed types, or holds values that cannot be trained on."""
EMPTY_DATASET: Final = "EmptyDatasetError"
"""No rows are left after loading or subsampling."""
MODEL_NOT_FOUND: Final = "ModelNotFoundError"
"""The model path or id does not exist or is not a model folder."""
MODEL_NOT_TRAINED: Final = "ModelNotTrainedError"
"""A run was asked for evaluation or inference before its training completed."""
CHECKPOINT_MISMATCH: Final = "CheckpointMismatchError"
"""A checkpoint to resume does not fit the run (different label count or model)."""
EMPTY_INPUT: Final = "EmptyInputError"
"""An inference request without texts."""
DUPLICATE_RUN_ID: Final = "DuplicateRunIdError"
"""Two configs of one coordinator input share a run id."""

NON_RETRYABLE_ERROR_TYPES: Final = (
    INVALID_CONFIG,
    DATASET_NOT_FOUND,
    DATASET_DECODE,
    SPLIT_NOT_FOUND,
    TEXT_FIELD_NOT_FOUND,
    LABEL_FIELD_INVALID,
    EMPTY_DATASET,
    MODEL_NOT_FOUND,
    MODEL_NOT_TRAINED,
    CHECKPOINT_MISMATCH,
    EMPTY_INPUT,
    DUPLICATE_RUN_ID,
)
"""Every error type above: bad input is never retried."""
