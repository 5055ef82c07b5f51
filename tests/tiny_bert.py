"""Build a tiny random BERT with a WordPiece tokenizer trained on the test corpus."""

import json
from pathlib import Path

TEXT_COLUMNS = ("sentence", "sentence1", "sentence2", "text")


def _corpus(data_dir: Path, rows_per_file: int = 3000) -> list[str]:
    texts: list[str] = []
    for path in sorted(data_dir.glob("*/*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for index, line in enumerate(handle):
                if index >= rows_per_file:
                    break
                row = json.loads(line)
                texts.extend(str(row[c]) for c in TEXT_COLUMNS if c in row)
    return texts


def build_tiny_bert(target: Path, data_dir: Path) -> Path:
    """Save a tiny ``BertModel`` (hidden 32, 2 layers) and its tokenizer to ``target``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        _corpus(data_dir), trainers.WordPieceTrainer(vocab_size=2000, special_tokens=special)
    )
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    fast = BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=128)
    fast.save_pretrained(target)

    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(target)
    return target
