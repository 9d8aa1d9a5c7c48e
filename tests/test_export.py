"""scripts/export.py: models of the two tutorials, rebuilt here from their published equations with random
weights, decode the same after export (scripts/reference.py, and ./rnnsearch when built) as with the tutorials'
own greedy decoding; train.py checkpoints convert losslessly."""
import contextlib
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import export  # noqa: E402
import reference  # noqa: E402
from jsonl_compare import ROOT, compare  # noqa: E402
from model import RNNSearch, V1Model  # noqa: E402

torch.set_num_threads(1)
BINARY = os.path.join(ROOT, "rnnsearch")
MAX_LENGTH = 10


# ---- the PyTorch tutorial "Translation with a Sequence to Sequence Network and Attention" ----

SOS_token, EOS_token = 0, 1


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        return self.gru(self.dropout(self.embedding(input)))


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys))).squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        return torch.bmm(weights, keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden):
        """The tutorial's inference path: MAX_LENGTH greedy steps, log_softmax over all outputs at the end."""
        decoder_input = torch.empty(encoder_outputs.size(0), 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        outputs, attentions = [], []
        for _ in range(MAX_LENGTH):
            output, decoder_hidden, weights = self.forward_step(decoder_input, decoder_hidden, encoder_outputs)
            outputs.append(output)
            attentions.append(weights)
            _, topi = output.topk(1)
            decoder_input = topi.squeeze(-1).detach()
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1), decoder_hidden, torch.cat(attentions, dim=1)

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, weights = self.attention(query, encoder_outputs)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        return self.out(output), hidden, weights


def tutorial_evaluate(encoder, decoder, ids):
    """The tutorial's evaluate(): ids already include EOS; returns emitted ids (EOS included), score, attention."""
    with torch.no_grad():
        encoder_outputs, encoder_hidden = encoder(torch.tensor([ids]))
        outputs, _, attentions = decoder(encoder_outputs, encoder_hidden)
        decoded = outputs.topk(1)[1].squeeze()
        emitted, score, rows = [], 0.0, []
        for t, idx in enumerate(decoded.tolist()):
            emitted.append(idx)
            score += float(outputs[0, t, idx])
            rows.append(attentions[0, t].tolist())
            if idx == EOS_token:
                break
    return emitted, score, rows


class Lang:
    """As the tutorial's: index2word starts with SOS and EOS."""

    def __init__(self, words):
        self.index2word = {0: "SOS", 1: "EOS"}
        self.word2index = {}
        for w in words:
            self.word2index[w] = len(self.index2word)
            self.index2word[len(self.index2word)] = w
        self.n_words = len(self.index2word)


# ---- bentrevett/pytorch-seq2seq 3 "Neural Machine Translation by Jointly Learning to Align and Translate" ----

class BEncoder(nn.Module):
    def __init__(self, input_dim, emb_dim, enc_hid_dim, dec_hid_dim, dropout):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, emb_dim)
        self.rnn = nn.GRU(emb_dim, enc_hid_dim, bidirectional=True)
        self.fc = nn.Linear(enc_hid_dim * 2, dec_hid_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, src):
        outputs, hidden = self.rnn(self.dropout(self.embedding(src)))
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)))
        return outputs, hidden


class BAttention(nn.Module):
    """new_names=False: the notebook's `attn` Linear and `v` parameter vector; True: later `attn_fc`, `v_fc`."""

    def __init__(self, enc_hid_dim, dec_hid_dim, new_names=False):
        super().__init__()
        self.new_names = new_names
        if new_names:
            self.attn_fc = nn.Linear(enc_hid_dim * 2 + dec_hid_dim, dec_hid_dim)
            self.v_fc = nn.Linear(dec_hid_dim, 1, bias=False)
        else:
            self.attn = nn.Linear(enc_hid_dim * 2 + dec_hid_dim, dec_hid_dim)
            self.v = nn.Parameter(torch.rand(dec_hid_dim))

    def forward(self, hidden, encoder_outputs):
        batch_size, src_len = encoder_outputs.shape[1], encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)
        if self.new_names:
            energy = torch.tanh(self.attn_fc(torch.cat((hidden, encoder_outputs), dim=2)))
            attention = self.v_fc(energy).squeeze(2)
        else:
            energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2))).permute(0, 2, 1)
            v = self.v.repeat(batch_size, 1).unsqueeze(1)
            attention = torch.bmm(v, energy).squeeze(1)
        return F.softmax(attention, dim=1)


class BDecoder(nn.Module):
    def __init__(self, output_dim, emb_dim, enc_hid_dim, dec_hid_dim, dropout, attention):
        super().__init__()
        self.attention = attention
        self.embedding = nn.Embedding(output_dim, emb_dim)
        self.rnn = nn.GRU((enc_hid_dim * 2) + emb_dim, dec_hid_dim)
        self.fc_out = nn.Linear((enc_hid_dim * 2) + dec_hid_dim + emb_dim, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input.unsqueeze(0)))
        a = self.attention(hidden, encoder_outputs).unsqueeze(1)
        weighted = torch.bmm(a, encoder_outputs.permute(1, 0, 2)).permute(1, 0, 2)
        output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
        prediction = self.fc_out(torch.cat((output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)), dim=1))
        return prediction, hidden.squeeze(0), a.squeeze(1)


class Seq2Seq(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder


def bentrevett_translate(model, ids, sos, eos, max_len):
    """The notebooks' translate_sentence: ids include <sos> and <eos>; greedy argmax until <eos>."""
    with torch.no_grad():
        encoder_outputs, hidden = model.encoder(torch.tensor(ids).unsqueeze(1))
        inputs, score, rows = [sos], 0.0, []
        for _ in range(max_len):
            output, hidden, attention = model.decoder(torch.tensor([inputs[-1]]), hidden, encoder_outputs)
            predicted = output.argmax(-1).item()
            score += float(F.log_softmax(output, dim=-1)[0, predicted])
            rows.append(attention[0].tolist())
            inputs.append(predicted)
            if predicted == eos:
                break
    return inputs[1:], score, rows


def run_export(args):
    with contextlib.redirect_stderr(io.StringIO()):
        export.main(args)


def randomize(module, seed, eos_rows=()):
    """Weights large enough for peaked distributions; a raised bias on eos so that some outputs end early."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.normal_(0.0, 0.8)
        for bias, row in eos_rows:
            bias[row] += 3.0
    return module.eval()


SRC_WORDS = "je suis tu es il elle est nous sommes grand petit content ici".split()
TGT_WORDS = "i am you are he she is we big small happy here not".split()
SENTENCES = ["je suis grand", "elle est petit", "nous sommes ici content", "tu", "il est grand et petit",
             "je suis je suis je suis tu es il est"]


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_engines(self, model_path, sentences, expected, factor="100"):
        """expected: (tokens, score, attention rows) per sentence. Checks the reference, then ./rnnsearch."""
        args = ["-m", model_path, "--format", "jsonl", "-a", "-b", "1", "--max-length", str(MAX_LENGTH),
                "--max-length-factor", factor]
        out = io.StringIO()
        reference.main(args + [self.write_input(sentences)], out=out)
        got = out.getvalue().split("\n")[:-1]
        for line, (tokens, score, rows) in zip(got, expected):
            hyp = json.loads(line)["hypotheses"][0]
            self.assertEqual(hyp["tokens"], tokens)
            self.assertAlmostEqual(hyp["score"], score, delta=1e-4)
            self.assertEqual(len(hyp["attention"]), len(rows))
            for a, b in zip(hyp["attention"], rows):
                self.assertEqual(len(a), len(b))
                self.assertLess(max(abs(x - y) for x, y in zip(a, b)), 1e-5)
        if os.access(BINARY, os.X_OK):
            result = subprocess.run([BINARY] + args + [self.write_input(sentences)], capture_output=True,
                                    timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr.decode("utf-8", "replace"))
            self.assertEqual(compare(got, result.stdout.decode("utf-8").split("\n")[:-1]), [])

    def write_input(self, sentences):
        with open(self.path("input.txt"), "w", encoding="utf-8") as f:
            f.write("".join(s + "\n" for s in sentences))
        return self.path("input.txt")

    def test_tutorial(self):
        src_lang, tgt_lang = Lang(SRC_WORDS), Lang(TGT_WORDS)
        hidden = 8
        encoder = randomize(EncoderRNN(src_lang.n_words, hidden), 1)
        decoder = AttnDecoderRNN(hidden, tgt_lang.n_words)
        randomize(decoder, 2, [(decoder.out.bias, EOS_token)])
        torch.save(encoder.state_dict(), self.path("encoder.pt"))
        torch.save(decoder.state_dict(), self.path("decoder.pt"))
        # The source Lang pickled as the tutorial would have it (class in __main__, not importable here).
        main_module = sys.modules["__main__"]
        Lang.__module__ = "__main__"
        setattr(main_module, "Lang", Lang)
        try:
            with open(self.path("src.pkl"), "wb") as f:
                pickle.dump(src_lang, f)
        finally:
            delattr(main_module, "Lang")
            Lang.__module__ = __name__
        with open(self.path("tgt.txt"), "w", encoding="utf-8") as f:
            f.write("".join(tgt_lang.index2word[i] + "\r\n" for i in range(tgt_lang.n_words)))
        run_export(["--from", "tutorial", "--encoder", self.path("encoder.pt"), "--decoder", self.path("decoder.pt"),
                     "--src-vocab", self.path("src.pkl"), "--tgt-vocab", self.path("tgt.txt"),
                     "-o", self.path("tutorial.json")])
        v1 = V1Model(self.path("tutorial.json"))
        self.assertEqual(v1.config["bridge"], "copy")
        self.assertEqual(v1.config["output"], ["state"])
        self.assertEqual((v1.add_bos, v1.add_eos), (False, True))
        self.assertEqual(v1.src_vocab[:2], ["<s>", "</s>"])
        self.assertEqual(v1.tgt_vocab[-1], "<unk>")
        expected = []
        for sentence in SENTENCES:
            ids = [src_lang.word2index.get(w) for w in sentence.split()]
            if None in ids:
                expected.append(None)
                continue
            emitted, score, rows = tutorial_evaluate(encoder, decoder, ids + [EOS_token])
            # SOS keeps its id under the name <s>; the tutorial can emit it like any other token.
            words = ["<s>" if i == SOS_token else tgt_lang.index2word[i] for i in emitted if i != EOS_token]
            expected.append((words, score, rows))
        known = [(s, e) for s, e in zip(SENTENCES, expected) if e is not None]
        self.assertGreaterEqual(len(known), 5)
        self.assertTrue(any(len(e[2]) < MAX_LENGTH for _, e in known), "no output ended by EOS: weak test")
        self.check_engines(self.path("tutorial.json"), [s for s, _ in known], [e for _, e in known])
        # An unknown word maps to the appended unk (zero embedding) and decodes.
        out = io.StringIO()
        reference.main(["-m", self.path("tutorial.json"), "-b", "3", self.write_input(["je suis xyz"])], out=out)
        self.assertEqual(len(out.getvalue().split("\n")), 2)

    def check_bentrevett(self, new_names):
        src_vocab = ["<unk>", "<pad>", "<sos>", "<eos>"] + SRC_WORDS
        tgt_vocab = ["<unk>", "<pad>", "<sos>", "<eos>"] + TGT_WORDS
        enc_hid, dec_hid, emb = 5, 7, 6
        attention = BAttention(enc_hid, dec_hid, new_names)
        model = Seq2Seq(BEncoder(len(src_vocab), emb, enc_hid, dec_hid, 0.5),
                        BDecoder(len(tgt_vocab), emb, enc_hid, dec_hid, 0.5, attention))
        randomize(model, 3 + new_names, [(model.decoder.fc_out.bias, 3)])
        torch.save(model.state_dict(), self.path("model.pt"))
        with open(self.path("src.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(src_vocab) + "\n")
        torch.save(tgt_vocab, self.path("tgt.pt"))
        run_export(["--from", "bentrevett", self.path("model.pt"), "--src-vocab", self.path("src.txt"),
                     "--tgt-vocab", self.path("tgt.pt"), "-o", self.path("bentrevett.json"), "--meta",
                     '{"name": "test"}'])
        v1 = V1Model(self.path("bentrevett.json"))
        self.assertEqual(v1.config["output"], ["state", "context", "embedding"])
        self.assertEqual((v1.add_bos, v1.add_eos), (True, True))
        self.assertEqual(v1.doc["meta"], {"converted_from": "bentrevett", "name": "test"})
        expected = []
        for sentence in SENTENCES:
            ids = [2] + [src_vocab.index(w) if w in src_vocab else 0 for w in sentence.split()] + [3]
            emitted, score, rows = bentrevett_translate(model, ids, 2, 3, MAX_LENGTH)
            expected.append(([tgt_vocab[i] for i in emitted if i != 3], score, rows))
        self.assertTrue(any(len(e[2]) < MAX_LENGTH for e in expected), "no output ended by <eos>: weak test")
        self.check_engines(self.path("bentrevett.json"), SENTENCES, expected)

    def test_bentrevett(self):
        self.check_bentrevett(False)

    def test_bentrevett_later_names(self):
        self.check_bentrevett(True)

    def test_rnnsearch_checkpoint(self):
        config = {"encoder": {"embedding_dim": 4, "hidden_size": 5, "num_layers": 2, "bidirectional": True},
                  "decoder": {"embedding_dim": 3, "hidden_size": 6, "num_layers": 1}, "bridge": "linear_tanh",
                  "attention": {"score": "additive", "dim": 4}, "output": ["state", "context"]}
        src_vocab = ["<unk>", "<s>", "</s>", "<pad>", "ein", "hund"]
        tgt_vocab = ["<unk>", "<s>", "</s>", "<pad>", "a", "dog", "cat"]
        model = randomize(RNNSearch(config, len(src_vocab), len(tgt_vocab)), 5)
        torch.save({"config": config, "model": model.state_dict(), "src_vocab": src_vocab, "tgt_vocab": tgt_vocab,
                    "tokenizer": {"lowercase": True}, "meta": {"corpus": "x"}, "add_bos": False, "add_eos": True},
                   self.path("final.pt"))
        for dtype, tolerance in (("f32", 0.0), ("list", 0.0), ("f16", 2e-3)):
            with self.subTest(dtype=dtype):
                out = self.path(f"model.{dtype}.json")
                run_export(["--from", "rnnsearch", self.path("final.pt"), "-o", out, "--dtype", dtype])
                v1 = V1Model(out)
                self.assertEqual(v1.config, config)
                self.assertEqual(v1.tokenizer, {"lowercase": True})
                self.assertEqual(v1.doc["meta"], {"corpus": "x"})
                self.assertEqual(v1.src_vocab, src_vocab)
                for name, tensor in model.state_dict().items():
                    diff = float((v1.model.state_dict()[name] - tensor).abs().max())
                    self.assertLessEqual(diff, tolerance * max(1.0, float(tensor.abs().max())), name)
        run_export(["--from", "rnnsearch", self.path("final.pt"), "-o", self.path("t.json"), "--tokenizer", "{}",
                     "--meta", '{"name": "n"}'])
        v1 = V1Model(self.path("t.json"))
        self.assertEqual(v1.tokenizer, {})
        self.assertEqual(v1.doc["meta"], {"corpus": "x", "name": "n"})
        # a checkpoint of a bundled corpus: its languages go into the meta
        torch.save({"config": config, "model": model.state_dict(), "src_vocab": src_vocab, "tgt_vocab": tgt_vocab,
                    "meta": {"corpus": "tatoeba"}}, self.path("fr.pt"))
        run_export(["--from", "rnnsearch", self.path("fr.pt"), "-o", self.path("fr.json")])
        meta = V1Model(self.path("fr.json")).doc["meta"]
        self.assertEqual((meta["source_language"], meta["target_language"]), ("fr", "en"))
        # a checkpoint of one's own files: train.py's --src-lang/--tgt-lang say them
        torch.save({"config": config, "model": model.state_dict(), "src_vocab": src_vocab, "tgt_vocab": tgt_vocab,
                    "meta": {"corpus": None, "args": {"src_lang": "de", "tgt_lang": "en"}}}, self.path("own.pt"))
        run_export(["--from", "rnnsearch", self.path("own.pt"), "-o", self.path("own.json")])
        meta = V1Model(self.path("own.json")).doc["meta"]
        self.assertEqual((meta["source_language"], meta["target_language"]), ("de", "en"))
        # several checkpoints: averaged weight by weight (checkpoint averaging), named in the meta
        second = randomize(RNNSearch(config, len(src_vocab), len(tgt_vocab)), 6)
        torch.save({"config": config, "model": second.state_dict(), "src_vocab": src_vocab, "tgt_vocab": tgt_vocab},
                   self.path("second.pt"))
        run_export(["--from", "rnnsearch", self.path("final.pt"), self.path("second.pt"), "-o", self.path("a.json")])
        v1 = V1Model(self.path("a.json"))
        self.assertEqual(v1.doc["meta"], {"corpus": "x", "averaged": [self.path("final.pt"), self.path("second.pt")]})
        for name, tensor in model.state_dict().items():
            mean = (tensor + second.state_dict()[name]) / 2
            self.assertTrue(torch.allclose(v1.model.state_dict()[name], mean, rtol=0, atol=1e-6), name)
        torch.save({"config": config, "model": second.state_dict(), "src_vocab": src_vocab,
                    "tgt_vocab": tgt_vocab[:-1] + ["bird"]}, self.path("other.pt"))
        with self.assertRaises(SystemExit) as caught, contextlib.redirect_stderr(io.StringIO()) as stderr:
            export.main(["--from", "rnnsearch", self.path("final.pt"), self.path("other.pt"), "-o", self.path("b.json")])
        self.assertEqual(caught.exception.code, 2)
        self.assertIn("tgt_vocab differs", stderr.getvalue())
        self.assertFalse(os.path.exists(self.path("b.json")))

    def test_train_init_from(self):
        """train.py --init-from starts from an earlier run's epoch checkpoint (its architecture, its weights):
        with --lr 0 the new run's weights stay exactly the old ones; other SentencePiece models are refused."""
        de = ["Ein Hund läuft im Park.", "Zwei Kinder spielen.", "Eine Frau liest ein Buch.", "Der Mann fährt."]
        en = ["A dog runs in the park.", "Two children play.", "A woman reads a book.", "The man drives."]
        for name, lines in (("train.de", de * 4), ("train.en", en * 4), ("dev.de", de), ("dev.en", en)):
            with open(self.path(name), "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
        spm = os.path.join(ROOT, "models", "spm")
        common = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--train-src", self.path("train.de"),
                  "--train-tgt", self.path("train.en"), "--dev-src", self.path("dev.de"), "--dev-tgt",
                  self.path("dev.en"), "--spm-tgt", os.path.join(spm, "deu-eng.en.model"), "--epochs", "1",
                  "--batch-size", "8"]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")

        def train(*args):
            return subprocess.run(common + list(args), capture_output=True, timeout=300, env=env)
        de_spm = ["--spm-src", os.path.join(spm, "deu-eng.de.model")]
        tiny = ["--emb", "8", "--enc-hidden", "6", "--dec-hidden", "10", "--attn-dim", "4"]
        first = train(*de_spm, "--out-dir", self.path("a"), *tiny)
        self.assertEqual(first.returncode, 0, first.stderr.decode())
        second = train(*de_spm, "--out-dir", self.path("b"), "--init-from", self.path("a/epoch1.pt"), "--lr", "0",
                       "--emb", "32", "--export", self.path("b.json"))
        self.assertEqual(second.returncode, 0, second.stderr.decode())
        self.assertIn("initialized from", second.stderr.decode())
        with open(self.path("b.json"), encoding="utf-8") as f:  # the model says what it was fine-tuned from
            self.assertEqual(json.load(f)["meta"]["initialized_from"],
                             {"checkpoint": self.path("a/epoch1.pt"), "data": self.path("train.de")})
        a = torch.load(self.path("a/epoch1.pt"), map_location="cpu")
        b = torch.load(self.path("b/epoch1.pt"), map_location="cpu")
        self.assertEqual(b["config"], a["config"])  # the checkpoint's architecture, not --emb 32
        for name, tensor in a["model"].items():
            self.assertTrue(torch.equal(b["model"][name], tensor), name)
        other = train("--spm-src", os.path.join(spm, "fra-eng.fr.model"), "--out-dir", self.path("c"),
                      "--init-from", self.path("a/epoch1.pt"))
        self.assertNotEqual(other.returncode, 0)
        self.assertIn("src vocabulary", other.stderr.decode())
        # A v1 model file is a starting point too (how training goes on from a bundled model): exported as f32,
        # its weights come back exactly; its meta's data is named.
        exported = train(*de_spm, "--out-dir", self.path("a"), *tiny, "--resume", "--finish", "--dtype", "f32",
                         "--export", self.path("a.json"))
        self.assertEqual(exported.returncode, 0, exported.stderr.decode())
        from_file = train(*de_spm, "--out-dir", self.path("d"), "--init-from", self.path("a.json"), "--lr", "0",
                          "--export", self.path("d.json"))
        self.assertEqual(from_file.returncode, 0, from_file.stderr.decode())
        d = torch.load(self.path("d/epoch1.pt"), map_location="cpu")
        self.assertEqual(d["config"], a["config"])
        for name, tensor in a["model"].items():
            self.assertTrue(torch.equal(d["model"][name], tensor), name)
        with open(self.path("a.json"), encoding="utf-8") as f:
            a_meta = json.load(f)["meta"]
        with open(self.path("d.json"), encoding="utf-8") as f:  # with the starting model's meta: the lineage
            self.assertEqual(json.load(f)["meta"]["initialized_from"],
                             {"checkpoint": self.path("a.json"), "data": self.path("train.de"), "meta": a_meta})
        with open(self.path("broken.json"), "w", encoding="utf-8") as f:
            f.write('{"format": "rnnsearch-model", "version": 1}')
        broken = train(*de_spm, "--out-dir", self.path("e"), "--init-from", self.path("broken.json"))
        self.assertNotEqual(broken.returncode, 0)
        self.assertIn("not a loadable v1 model file", broken.stderr.decode())

    def test_vocab_readers(self):
        cases = {"list.pkl": ["a", "b"], "index2word.pkl": {1: "b", 0: "a"}, "word2index.pkl": {"b": 1, "a": 0}}
        for name, obj in cases.items():
            with open(self.path(name), "wb") as f:
                pickle.dump(obj, f)
            self.assertEqual(export.read_vocab(self.path(name)), ["a", "b"], name)
        with open(self.path("v.txt"), "wb") as f:
            f.write("a\r\nb c\n\u00e9\n".encode("utf-8"))
        self.assertEqual(export.read_vocab(self.path("v.txt")), ["a", "b c", "\u00e9"])

    def test_errors(self):
        with open(self.path("bad.pt"), "wb") as f:
            torch.save({"encoder.embedding.weight": torch.zeros(3, 2)}, f)
        with open(self.path("v.txt"), "w") as f:
            f.write("a\nb\nc\n")
        with self.assertRaises(SystemExit) as caught, contextlib.redirect_stderr(io.StringIO()) as stderr:
            export.main(["--from", "bentrevett", self.path("bad.pt"), "--src-vocab", self.path("v.txt"),
                         "--tgt-vocab", self.path("v.txt"), "-o", self.path("x.json")])
        self.assertEqual(caught.exception.code, 2)
        self.assertTrue(stderr.getvalue().startswith("export.py: "), stderr.getvalue())
        self.assertEqual(stderr.getvalue().count("\n"), 1, stderr.getvalue())


if __name__ == "__main__":
    unittest.main()
