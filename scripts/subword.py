"""SentencePiece sides of a model's tokenizer object (README "Subword models").

A side object {"sentencepiece": {"model_proto": BASE64}} holds the serialized SentencePiece ModelProto (the
bytes of a .model file). Its pieces, in id order, are that side's vocabulary.

  side_segmenter(tokenizer, "source") -> Segmenter or None (a word-level side)
  Segmenter.encode(line) -> pieces;  Segmenter.decode(pieces) -> text
  tokenizer_config(src_model_path, tgt_model_path) -> the tokenizer object to store in a model file
"""
import base64

import sentencepiece as spm


class Segmenter:
    def __init__(self, model_proto):
        self.proto = model_proto
        self.sp = spm.SentencePieceProcessor(model_proto=model_proto)
        self.pieces = [self.sp.id_to_piece(i) for i in range(self.sp.get_piece_size())]

    def encode(self, line):
        """Pieces of one input line (invalid UTF-8 must already be replaced by U+FFFD; a final CR dropped)."""
        return self.sp.encode(line, out_type=str)

    def decode(self, pieces):
        """Text of output pieces (eos excluded): SentencePiece's own decoding."""
        return self.sp.decode_pieces(list(pieces))


def load_proto(path):
    with open(path, "rb") as f:
        return f.read()


def side_config(model_proto):
    return {"sentencepiece": {"model_proto": base64.b64encode(model_proto).decode("ascii")}}


def tokenizer_config(src_model_path, tgt_model_path):
    return {"source": side_config(load_proto(src_model_path)), "target": side_config(load_proto(tgt_model_path))}


def side_segmenter(tokenizer, side):
    obj = (tokenizer or {}).get(side) or {}
    if "sentencepiece" not in obj:
        return None
    return Segmenter(base64.b64decode(obj["sentencepiece"]["model_proto"]))
