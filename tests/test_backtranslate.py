"""scripts/backtranslate.py: its monolingual English holds no sentence of the French-English file (so nothing of
fra-eng's dev and test references reaches training), and its filter drops empty, disproportionate and held-out
synthetic pairs. The corpus checks are skipped without the data folder."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))

import backtranslate  # noqa: E402
from test_data import data  # noqa: E402


class SelectPairsTestCase(unittest.TestCase):
    def test_filter(self):
        french = ["Bonjour.", "", "Oui oui oui oui oui oui oui oui oui oui.", "Je suis là.", "Merci."]
        english = ["Hello.", "Go.", "Yes.", "I'm here.", "Thanks."]
        kept, dropped = backtranslate.select_pairs(french, english, {"Merci."}, 2.0)
        self.assertEqual(kept, [("Bonjour.", "Hello."), ("Je suis là.", "I'm here.")])
        self.assertEqual(dropped, {"empty": 1, "ratio": 1, "held-out": 1})


@unittest.skipUnless(data, "no corpus folder (../shared/data, $RNNSEARCH_DATA or data/corpora)")
class MonolingualTestCase(unittest.TestCase):
    def test_english_is_new_to_the_french_english_file(self):
        english = backtranslate.monolingual_english()
        self.assertGreater(len(english), 50000)
        self.assertEqual(len(english), len(set(english)))
        french_english = {en for _, en in data.tatoeba_pairs("tatoeba")[0]}
        self.assertFalse(french_english & set(english))
        references = {en for part in ("dev", "test") for _, en in data.pairs("tatoeba", part)}
        self.assertGreater(len(references), 3000)
        self.assertFalse(references & set(english))


if __name__ == "__main__":
    unittest.main()
