"""scripts/data.py's splits, on the real corpora (skipped without them): Tatoeba is split by sentence (no
source or target sentence in two parts), the German corpora keep Multi30k's dev and test sentences out of
training, deu-eng-tune is Multi30k's training set plus every fifth pair of deu-eng's Tatoeba part, and
deu-eng-captions the same with every tenth pair from the third."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))


def load_data():
    """scripts/data.py, or None when no data folder exists (it exits then)."""
    try:
        import data
        data.data_root()
        return data
    except SystemExit:
        return None


data = load_data()


@unittest.skipUnless(data, "no corpus folder (../shared/data, $RNNSEARCH_DATA or data/corpora)")
class SplitTestCase(unittest.TestCase):
    def test_tatoeba_parts_share_no_sentence(self):
        for corpus in ("tatoeba", "tatoeba-deu"):
            parts = {part: data.pairs(corpus, part) for part in ("train", "dev", "test")}
            self.assertGreater(len(parts["test"]), 1000, corpus)
            for side in (0, 1):
                seen = {}
                for part, pairs in parts.items():
                    for pair in pairs:
                        self.assertEqual(seen.setdefault(pair[side], part), part,
                                         f"{corpus}: {pair[side]!r} is in {seen[pair[side]]} and {part}")

    def test_reversed_corpus_is_the_same_split(self):
        for part in ("train", "dev", "test"):
            self.assertEqual(data.pairs("tatoeba-rev", part), [(t, s) for s, t in data.pairs("tatoeba", part)])

    def test_unseen_part(self):
        """test-unseen: the test lines whose French sentence is outside the older split's training part (bucket of
        the French sentence >= 4, scripts/data.py at commit faf524b), in test order; the same lines reversed."""
        test, unseen = data.pairs("tatoeba", "test"), data.pairs("tatoeba", "test-unseen")
        self.assertEqual(unseen, [p for p in test if data.bucket(p[0]) < 4])
        self.assertEqual((len(test), len(unseen)), (2871, 1996))
        self.assertEqual(data.pairs("tatoeba-rev", "test-unseen"), [(t, s) for s, t in unseen])
        for corpus in ("multi30k", "tatoeba-deu", "persian"):
            with self.assertRaises(ValueError):
                data.pairs(corpus, "test-unseen")

    def test_german_training_keeps_multi30k_dev_and_test_out(self):
        held_out = {s for s, _ in data.pairs("multi30k", "test")} | {s for s, _ in data.pairs("multi30k", "dev")}
        multi = len(data.pairs("multi30k", "train"))  # Multi30k's own train set repeats 1 of its val captions
        for corpus in ("deu-eng", "deu-eng-tune", "deu-eng-captions"):
            self.assertFalse(held_out & {s for s, _ in data.pairs(corpus, "train")[multi:]}, corpus)
            with self.assertRaises(ValueError):
                data.pairs(corpus, "test")

    def test_deu_eng_tune(self):
        multi = data.pairs("multi30k", "train")
        joint = data.pairs("deu-eng", "train")
        tune = data.pairs("deu-eng-tune", "train")
        self.assertEqual(joint[:len(multi)], multi)
        self.assertEqual(tune, multi + joint[len(multi)::5])
        self.assertEqual(data.pairs("deu-eng-tune", "dev"), data.pairs("deu-eng", "dev"))

    def test_deu_eng_captions(self):
        multi = data.pairs("multi30k", "train")
        tato = data.pairs("deu-eng", "train")[len(multi):]
        captions = data.pairs("deu-eng-captions", "train")
        self.assertEqual(captions, multi + tato[2::10])
        # none of its Tatoeba pairs is one deu-eng-tune already repeats
        self.assertFalse(set(tato[2::10]) & set(tato[::5]))
        self.assertEqual(data.pairs("deu-eng-captions", "dev"), data.pairs("deu-eng", "dev"))


if __name__ == "__main__":
    unittest.main()
